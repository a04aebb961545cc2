"""wrangler.toml (what a deployment uses) agrees with the code and with the workerd config the
tests run: same entry point, bindings, classes, SQLite storage and compatibility date."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_wrangler_toml_matches_the_worker_and_the_test_config():
    cfg = tomllib.loads((ROOT / "wrangler.toml").read_text())
    worker = (ROOT / cfg["main"]).read_text()
    exported = set(re.findall(r"export \{ (\w+) \} from", worker))
    bindings = {b["name"]: b["class_name"] for b in cfg["durable_objects"]["bindings"]}
    assert bindings == {"SPACES": "SpaceObject", "DIRECTORY": "DirectoryObject", "PRINCIPALS": "PrincipalObject"}
    assert set(bindings.values()) <= exported
    migrated = [c for m in cfg["migrations"] for c in m["new_sqlite_classes"]]
    assert sorted(migrated) == sorted(bindings.values()), "every class in exactly one SQLite migration"
    assert "MEMSPACE_TOKENS" not in cfg.get("vars", {}), "tokens belong in a secret"
    assert "LLM_API_KEY" not in cfg.get("vars", {}), "the LLM key belongs in a secret"
    harness = (ROOT / "test" / "workerd-config.mjs").read_text()
    assert f'compatibilityDate: "{cfg["compatibility_date"]}"' in harness
    for name, cls in bindings.items():
        assert f'{name}: {{ className: "{cls}", useSQLite: true }}' in harness
    assert f'scriptPath: "{cfg["main"]}"' in harness
