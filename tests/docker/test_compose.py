"""The production deployment (docker/), checked without a Docker engine.

No Docker engine runs where the tests run, so these tests read the files: compose.yaml is interpolated the
way ``docker compose`` does it (with the values of .env.example, secrets filled by make_env.py) and parsed;
the checks are those a failed ``docker compose up`` would otherwise reveal late: services, healthchecks,
one-shots and the conditions that wait for them, profiles, volumes, every ``${VAR}`` documented, every
``SHEQING_*`` name a real setting that reaches the containers, the commands each service runs present in
``sheqing``'s command line or in Airflow 3's, and the Dockerfile's base image, fonts, DAGs and install.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import click
import pytest
import yaml

from sheqing.cli import main as sheqing_cli
from sheqing.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
ENV_EXAMPLE = DOCKER / ".env.example"
DOCKERFILE = DOCKER / "Dockerfile"
DOCKERIGNORE = DOCKER / "Dockerfile.dockerignore"

SETTINGS = {"SHEQING_" + name.upper(): name for name in Settings.model_fields}

LONG_RUNNING = {"elasticsearch", "kibana", "postgres", "redis", "airflow-apiserver", "airflow-scheduler",
                "airflow-dag-processor", "airflow-triggerer", "airflow-worker", "sheqing-web"}
ONE_SHOTS = {"certs", "es-users", "airflow-init", "sheqing-setup"}
CELERY_ONLY = {"redis", "airflow-worker"}
AIRFLOW_COMPONENTS = {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                      "airflow-triggerer", "airflow-worker"}
SHEQING_IMAGE_SERVICES = AIRFLOW_COMPONENTS | {"sheqing-web", "sheqing-setup"}

# Airflow 3 commands this deployment may run, as the official Airflow 3 docker-compose.yaml and the image's
# entrypoint run them (api-server replaced Airflow 2's webserver; dag-processor is its own component).
AIRFLOW_3_COMMANDS = {
    ("api-server",), ("scheduler",), ("dag-processor",), ("triggerer",), ("celery", "worker"),
    ("celery", "flower"), ("db", "migrate"), ("db", "check"), ("users", "create"), ("jobs", "check"), ("pools", "set"),
    ("version",), ("config", "list"), ("config", "get-value"),
}
AIRFLOW_JOB_TYPES = {"SchedulerJob", "TriggererJob", "DagProcessorJob"}

VAR = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                 r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
ENV_LINE = re.compile(r"^(?P<commented>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
SHEQING_NAME = re.compile(r"\bSHEQING_[A-Z0-9_]+\b")


# -- reading the files --------------------------------------------------------------------------------------

def _strings(node):
    """Every string value of a parsed YAML document (compose interpolates values, never comments or keys)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _references(document: dict) -> list[re.Match]:
    """The ${VAR} / $VAR references compose interpolates ($$ is a literal dollar, left to the container)."""
    return [m for text in _strings(document) for m in VAR.finditer(text.replace("$$", "\0\0"))]


def interpolate(node, env: dict[str, str]):
    """Compose's interpolation of a parsed document: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
    ${VAR?error}, $$ (a literal $)."""
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    if not isinstance(node, str):
        return node
    text = node

    def replace(m: re.Match) -> str:
        name = m["braced"] or m["bare"]
        op, arg = m["op"], m["arg"]
        value = env.get(name)
        if op in (":-", "-"):
            return arg if (value is None or (op == ":-" and value == "")) else value
        if op in (":?", "?"):
            if value is None or (op == ":?" and value == ""):
                raise AssertionError(f"compose would stop: {name} is required ({arg})")
            return value
        if op in (":+", "+"):
            return arg if (value is not None and (op == "+" or value != "")) else ""
        return value or ""

    return VAR.sub(replace, text.replace("$$", "\0\0")).replace("\0\0", "$")


def env_example() -> dict[str, tuple[str, bool]]:
    """NAME -> (value, commented out) for every NAME=value line of .env.example."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = ENV_LINE.match(line.strip())
        if m:
            found[m["name"]] = (m["value"], bool(m["commented"]))
    return found


def _load_make_env():
    spec = importlib.util.spec_from_file_location("make_env", DOCKER / "make_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def make_env():
    return _load_make_env()


@pytest.fixture(scope="module")
def dotenv(make_env) -> dict[str, str]:
    """docker/.env as make_env.py writes it from .env.example (commented lines are not set)."""
    text, _ = make_env.fill(ENV_EXAMPLE.read_text(encoding="utf-8"),
                            make_env.required_variables(COMPOSE.read_text(encoding="utf-8")))
    values = {}
    for line in text.splitlines():
        m = ENV_LINE.match(line.strip())
        if m and not m["commented"]:
            values[m["name"]] = m["value"].strip().strip('"')
    return values


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def compose(raw, dotenv) -> dict:
    return interpolate(raw, dotenv)


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


# -- services, healthchecks, one-shots, dependencies, profiles ----------------------------------------------

def test_every_expected_service_is_there(services):
    assert set(services) == LONG_RUNNING | ONE_SHOTS


def test_long_running_services_have_a_healthcheck_and_restart(services):
    for name in sorted(LONG_RUNNING):
        service = services[name]
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no healthcheck"
        test = check["test"]
        if isinstance(test, str):
            test = ["CMD-SHELL", test]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1 and all(str(t).strip() for t in test[1:]), \
            f"{name}: healthcheck test {test!r} runs no command"
        for key in ("interval", "timeout", "retries"):
            assert key in check, f"{name}: healthcheck without {key}"
        assert service.get("restart") in ("unless-stopped", "always"), f"{name} is not restarted"


def test_one_shots_run_once(services):
    for name in sorted(ONE_SHOTS):
        assert services[name].get("restart") == "no", f"{name} must not be restarted (restart: \"no\")"
        assert "healthcheck" not in services[name]


def test_dependencies_exist_and_wait_for_the_right_state(services):
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must say which condition it waits for"
        for dep, spec in depends.items():
            assert dep in services, f"{name} depends on {dep}, which is not a service"
            wanted = "service_completed_successfully" if dep in ONE_SHOTS else "service_healthy"
            assert spec.get("condition") == wanted, f"{name} -> {dep}: condition should be {wanted}"
            theirs, mine = set(services[dep].get("profiles", [])), set(service.get("profiles", []))
            if theirs and not theirs <= mine:  # the dependency may be switched off: it must be optional
                assert spec.get("required") is False, \
                    f"{name} -> {dep}: {dep} runs only with profile {sorted(theirs)}; add required: false"


def test_startup_order(services):
    """Kibana after its password is set; the set-up after Elasticsearch, the users and Kibana; Airflow after
    its database is migrated."""
    assert set(services["kibana"]["depends_on"]) >= {"elasticsearch", "es-users"}
    assert set(services["sheqing-setup"]["depends_on"]) >= {"elasticsearch", "es-users", "kibana"}
    assert set(services["elasticsearch"]["depends_on"]) == {"certs"}
    for name in AIRFLOW_COMPONENTS - {"airflow-init"}:
        assert "airflow-init" in services[name]["depends_on"], name
    assert "airflow-apiserver" in services["airflow-worker"]["depends_on"]


def test_celery_is_a_profile_and_local_executor_the_default(services, raw):
    for name, service in services.items():
        expected = ["celery"] if name in CELERY_ONLY else []
        assert service.get("profiles", []) == expected, name
    executor = raw["services"]["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"]
    assert executor == "${AIRFLOW_EXECUTOR:-LocalExecutor}"
    assert env_example()["AIRFLOW_EXECUTOR"] == ("LocalExecutor", False)
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "airflow-worker must scale (--scale)"


def test_airflow_3_configuration(services):
    shared = None
    for name in sorted(AIRFLOW_COMPONENTS):
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager")
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        secrets = {k: env[k] for k in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY",
                                       "AIRFLOW__API_AUTH__JWT_SECRET")}
        assert all(secrets.values()), name
        assert shared in (None, secrets), f"{name}: every Airflow component needs the same keys"
        shared = secrets
    init = services["airflow-init"]["environment"]
    assert init["_AIRFLOW_WWW_USER_CREATE"] == "true" and init["_AIRFLOW_WWW_USER_PASSWORD"]


def test_elasticsearch_security_and_tls(services):
    env = services["elasticsearch"]["environment"]
    for key in ("xpack.security.enabled", "xpack.security.http.ssl.enabled", "xpack.security.transport.ssl.enabled"):
        assert env[key] == "true", key
    assert env["ELASTIC_PASSWORD"]
    assert "--cacert" in " ".join(services["elasticsearch"]["healthcheck"]["test"])
    kibana = services["kibana"]["environment"]
    assert kibana["ELASTICSEARCH_HOSTS"].startswith("https://") and kibana["ELASTICSEARCH_USERNAME"] == "kibana_system"
    assert "/api/status" in " ".join(services["kibana"]["healthcheck"]["test"])
    for name in SHEQING_IMAGE_SERVICES:
        env = services[name]["environment"]
        assert env["SHEQING_ES_URL"].startswith("https://") and env["SHEQING_ES_CA_CERTS"] == "/certs/ca.crt", name


def test_services_publish_on_this_host_only_by_default(services):
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every address by default"


def test_every_service_rotates_its_logs(services):
    for name, service in services.items():
        assert service.get("logging", {}).get("options", {}).get("max-size"), f"{name}: logs are not rotated"


# -- volumes ------------------------------------------------------------------------------------------------

def _mounts(service: dict) -> list[tuple[str, str]]:
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts.append((volume.get("source", ""), volume["target"]))
        else:
            source, _, rest = str(volume).partition(":")
            mounts.append((source, rest.split(":")[0]))
    return mounts


def test_named_volumes_are_declared_and_used(compose, services):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in services.items():
        for source, target in _mounts(service):
            if source.startswith((".", "/", "~")):
                path = (DOCKER / source).resolve() if source.startswith(".") else Path(source)
                assert path.is_dir(), f"{name} mounts {source}, which does not exist next to compose.yaml"
                continue
            assert source in declared, f"{name} mounts the undeclared volume {source!r}"
            used.add(source)
    assert declared == used, f"declared but never mounted: {sorted(declared - used)}"
    assert {"es-data", "postgres-data", "sheqing-data", "airflow-logs", "certs"} <= declared


def test_data_volume_is_shared_by_every_sheqing_container(services):
    for name in sorted(SHEQING_IMAGE_SERVICES):
        assert ("sheqing-data", "/data") in _mounts(services[name]), name
        assert services[name]["environment"]["SHEQING_DATA_DIR"] == "/data", name
    for name in AIRFLOW_COMPONENTS:
        assert ("airflow-logs", "/opt/airflow/logs") in _mounts(services[name]), name
    assert all(src != "certs-ca" for n, s in services.items() if n != "certs" for src, _ in _mounts(s)), \
        "the CA key volume must be mounted by the certs service only"


def test_images_are_pinned(services):
    for name, service in services.items():
        image = service["image"]
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), f"{name}: unpinned {image}"
        if "build" in service:
            build = service["build"]
            context = (DOCKER / build["context"]).resolve()
            assert context == ROOT and (context / build["dockerfile"]).resolve() == DOCKERFILE, name


# -- variables: .env.example documents them, SHEQING_* are real settings -------------------------------------

def test_every_compose_variable_is_documented():
    documented = env_example()
    problems = []
    for m in _references(load_compose()):
        name, op = m["braced"] or m["bare"], m["op"]
        if name not in documented:
            problems.append(f"{name} is not in .env.example")
        elif op in (None, ":?", "?") and documented[name][1]:
            problems.append(f"{name} has no default in compose.yaml: its .env.example line must not be commented out")
    assert not problems, "\n".join(sorted(set(problems)))


def test_env_example_has_nothing_stale():
    referenced = {m["braced"] or m["bare"] for m in _references(load_compose())}
    builtin = {"COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME"}
    stale = [n for n in env_example() if n not in referenced | builtin and n not in SETTINGS]
    assert not stale, f".env.example documents variables compose.yaml does not use: {stale}"


def test_env_example_comments_every_variable():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if not ENV_LINE.match(line.strip()):
            continue
        j = i - 1
        while j >= 0 and ENV_LINE.match(lines[j].strip()):
            j -= 1
        assert j >= 0 and lines[j].startswith("# ") and len(lines[j]) > 3, f"{line!r} has no comment above it"


def test_env_example_documents_every_setting():
    documented = env_example()
    missing = [name for name in SETTINGS if name not in documented]
    suggestion = "\n".join(f"# {Settings.model_fields[SETTINGS[n]].description}\n# {n}=" for n in missing)
    assert not missing, f"settings missing from docker/.env.example; add to its section 4:\n{suggestion}"


def test_every_sheqing_variable_is_a_setting():
    for path in (COMPOSE, ENV_EXAMPLE, DOCKERFILE):
        unknown = set(SHEQING_NAME.findall(path.read_text(encoding="utf-8"))) - set(SETTINGS)
        assert not unknown, f"{path.name} names SHEQING_ variables that are no setting: {sorted(unknown)}"


def test_every_setting_reaches_the_sheqing_containers(raw, services):
    for name in sorted(SHEQING_IMAGE_SERVICES):
        missing = set(SETTINGS) - set(raw["services"][name]["environment"])
        assert not missing, (f"{name} does not pass {sorted(missing)} from docker/.env; add to x-sheqing-env "
                             "in compose.yaml: " + ", ".join(f"`{n}:`" for n in sorted(missing)))
    required = {m["braced"] for m in _references(load_compose()) if m["op"] == ":?"}
    assert {"SHEQING_ES_PASSWORD", "SHEQING_AUTHOR_SECRET"} <= required


def test_settings_values_compose_sets_are_valid(services):
    for name in ("sheqing-web", "sheqing-setup", "airflow-scheduler"):
        env = {k: v for k, v in services[name]["environment"].items() if k.startswith("SHEQING_") and v is not None}
        fields = {SETTINGS[k]: v for k, v in env.items()}
        Settings(_env_file=None, **fields)  # raises if compose.yaml sets a value the settings refuse


def test_make_env_generates_every_required_secret(make_env, dotenv):
    required = make_env.required_variables(COMPOSE.read_text(encoding="utf-8"))
    assert {"ELASTIC_PASSWORD", "KIBANA_SYSTEM_PASSWORD", "POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY"} <= required
    for name in required:
        assert dotenv.get(name), f"{name}: make_env.py leaves it empty"
        if name == "AIRFLOW_FERNET_KEY":
            import base64
            assert len(base64.urlsafe_b64decode(dotenv[name])) == 32
        else:
            assert dotenv[name].isalnum() and len(dotenv[name]) >= 32, name


def test_make_env_refuses_to_overwrite(make_env, tmp_path, monkeypatch):
    for name in (".env.example", "compose.yaml"):
        shutil.copy(DOCKER / name, tmp_path / name)
    monkeypatch.setattr(make_env, "HERE", tmp_path)
    assert make_env.main([]) == 0
    first = (tmp_path / ".env").read_text()
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0
    assert make_env.main([]) == 1 and (tmp_path / ".env").read_text() == first


# -- the commands the containers run ------------------------------------------------------------------------

SHELLS = {"bash", "/bin/bash", "sh", "/bin/sh"}
PREFIX_WORDS = {"exec", "then", "do", "else", "{", "}", "!", "if", "while", "until", "time"}


def simple_commands(script: str):
    """The simple commands of a shell script (enough of the shell grammar for these scripts)."""
    buf = ""
    for line in script.replace("\\\n", " ").splitlines():
        buf = f"{buf}\n{line}" if buf else line
        try:
            lexer = shlex.shlex(buf, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            tokens = list(lexer)
        except ValueError:  # an open quote: the command goes on on the next line
            continue
        buf = ""
        command: list[str] = []
        for token in tokens:
            if token and set(token) <= set("();<>|&"):
                if command:
                    yield command
                command = []
            else:
                command.append(token)
        if command:
            yield command
    assert not buf, f"unterminated quote in {script!r}"


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def _shell_script(argv: list[str]) -> str | None:
    """The script of `bash -c SCRIPT` / `bash -euc SCRIPT`, else None."""
    if argv and argv[0] in SHELLS:
        for i, arg in enumerate(argv[1:], 1):
            if arg.startswith("-") and not arg.startswith("--") and "c" in arg and i + 1 < len(argv):
                return argv[i + 1]
    return None


def service_commands(name: str, service: dict) -> tuple[list[list[str]], list[str]]:
    """(commands as argv lists, shell scripts) a service runs: entrypoint + command, and its healthcheck."""
    commands, scripts = [], []
    argv = _as_list(service.get("entrypoint")) + _as_list(service.get("command"))
    script = _shell_script(argv)
    if script is not None:
        scripts.append(script)
    elif argv and name in SHEQING_IMAGE_SERVICES and "entrypoint" not in service:
        # the image's entrypoint: `sheqing ...` runs as it is, anything else is `airflow ...`
        commands.append(argv if argv[0] in ("sheqing", "airflow") else ["airflow", *argv])
    elif argv:
        commands.append(argv)
    test = service.get("healthcheck", {}).get("test")
    if test:
        test = ["CMD-SHELL", test] if isinstance(test, str) else test
        (scripts.append(test[1]) if test[0] == "CMD-SHELL" else commands.append(list(test[1:])))
    for s in scripts:
        commands.extend(simple_commands(s))
    return commands, scripts


def _program(argv: list[str]) -> list[str]:
    words = list(argv)
    while words and (words[0] in PREFIX_WORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0])):
        words.pop(0)
    if words and words[0] == "/entrypoint":  # Airflow's entrypoint: `/entrypoint airflow version`
        words = words[1:]
        if words and words[0] not in ("airflow", "bash", "python"):
            words = ["airflow", *words]
    return words


def resolve_click(group: click.Group, args: list[str]) -> str | None:
    """None when `sheqing ARGS` names an existing command with existing options, else what is wrong."""
    command: click.Command = group
    path = ["sheqing"]
    args = list(args)
    while isinstance(command, click.Group):
        while args and args[0].startswith("-"):  # options of the group itself (--data-dir X, -v)
            option = args.pop(0).split("=")[0]
            param = next((p for p in command.params if option in p.opts + p.secondary_opts), None)
            if param is None:
                return f"{' '.join(path)} has no option {option}"
            if not getattr(param, "is_flag", False) and "=" not in option and args:
                args.pop(0)
        if not args:
            return f"{' '.join(path)} needs a sub-command"
        name = args.pop(0)
        sub = command.commands.get(name)
        if sub is None:
            return f"{' '.join(path)} has no command {name!r}"
        command, path = sub, [*path, name]
    options = {o for p in command.params for o in p.opts + p.secondary_opts} | {"--help", "-h"}
    for arg in args:
        if arg.startswith("-") and arg.split("=")[0] not in options:
            return f"{' '.join(path)} has no option {arg.split('=')[0]}"
    return None


def _all_commands(services) -> list[tuple[str, list[str]]]:
    found = []
    for name, service in services.items():
        for argv in service_commands(name, service)[0]:
            words = _program(argv)
            if words:
                found.append((name, words))
    return found


def test_sheqing_commands_exist(services):
    used = [(name, words) for name, words in _all_commands(services) if words[0] == "sheqing"]
    assert {name for name, _ in used} == {"sheqing-web", "sheqing-setup"}
    invocations = {" ".join(words) for _, words in used}
    assert "sheqing store install" in invocations
    assert any(i.startswith("sheqing kibana provision --url http://kibana:5601") for i in invocations)
    assert any(i.startswith("sheqing serve") for i in invocations)
    problems = [f"{name}: `{' '.join(words)}`: {problem}" for name, words in used
                if (problem := resolve_click(sheqing_cli, words[1:]))]
    assert not problems, "commands the containers run that `sheqing` does not have:\n" + "\n".join(problems)


def test_airflow_commands_are_airflow_3(services):
    used = [(name, words) for name, words in _all_commands(services) if words[0] == "airflow"]
    names = {name for name, _ in used}
    assert AIRFLOW_COMPONENTS <= names
    for name, words in used:
        args = [w for w in words[1:] if not w.startswith("-")]
        assert tuple(args[:1]) in AIRFLOW_3_COMMANDS or tuple(args[:2]) in AIRFLOW_3_COMMANDS, \
            f"{name}: `{' '.join(words)}` is not an Airflow 3 command this deployment knows"
        if args[:2] == ["jobs", "check"]:
            assert words[words.index("--job-type") + 1] in AIRFLOW_JOB_TYPES, name
    expected = {"airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
                "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer",
                "airflow-worker": "celery worker"}
    for name, command in expected.items():
        assert services[name]["command"] == command, name
    init = " ".join(" ".join(w) for n, w in used if n == "airflow-init")
    assert "airflow db migrate" in init


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to check the scripts' syntax")
def test_shell_scripts_parse(services):
    scripts = [("docker/entrypoint.sh", (DOCKER / "entrypoint.sh").read_text())]
    for name, service in services.items():
        scripts += [(name, s) for s in service_commands(name, service)[1]]
    assert len(scripts) >= 8
    for where, script in scripts:
        result = subprocess.run(["bash", "-n", "-c", script], check=False, capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 0, f"{where}: {result.stderr}"


# -- the image ----------------------------------------------------------------------------------------------

def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#")))
    return [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l.strip() else "")
            for l in joined.splitlines() if l.strip()]


def test_dockerfile_base_image_is_a_pinned_airflow_3():
    froms = [arg for op, arg in dockerfile_instructions() if op == "FROM"]
    assert froms, "no FROM"
    for image in froms:
        m = re.fullmatch(r"apache/airflow:(\d+)\.(\d+)\.(\d+)-python(3\.\d+)(?: AS \w+)?", image.strip())
        assert m, f"FROM {image}: pin apache/airflow:3.X.Y-pythonV"
        assert m[1] == "3", f"FROM {image}: Airflow 3 is what compose.yaml's commands are"
        requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
        assert requires == f">={m[4]}", f"the image's Python {m[4]} should be the oldest supported ({requires})"


def test_dockerfile_installs_fonts_project_and_dags():
    instructions = dockerfile_instructions()
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert re.search(r"apt-get install .*fonts-noto-cjk", runs)
    assert re.search(r"pip install [^&]*\"apache-airflow==\$\{AIRFLOW_VERSION\}\"", runs), \
        "pin Airflow while installing, or pip may move it"
    assert "/opt/sheqing[${EXTRAS}]" in runs
    copies = [arg.split() for op, arg in instructions if op == "COPY"]
    sources = [w for words in copies for w in words[:-1] if not w.startswith("--")]
    targets = [words[-1] for words in copies]
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"
    assert "dags/" in sources and "/opt/airflow/dags/" in targets
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1] == "airflow", "the image must end as the airflow user"
    entrypoint = [arg for op, arg in instructions if op == "ENTRYPOINT"][-1]
    assert "/opt/sheqing/entrypoint.sh" in entrypoint and "/entrypoint" in (DOCKER / "entrypoint.sh").read_text()


def test_dockerfile_torch_pin_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = [d for d in project["optional-dependencies"]["transformers"] if d.startswith("torch")]
    assert pinned, "pyproject.toml no longer pins torch for the transformers extra"
    assert f'"{pinned[0]}"' in DOCKERFILE.read_text(), f"docker/Dockerfile should install {pinned[0]}"


def test_build_context_keeps_secrets_out_and_the_code_in():
    patterns = [l.strip() for l in DOCKERIGNORE.read_text().splitlines() if l.strip() and not l.startswith("#")]
    for needed in ("**/.env", ".venv", "var", ".git"):
        assert needed in patterns, f"{DOCKERIGNORE.name} should exclude {needed}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    kept = ["pyproject.toml", "README.md", "dags", "docker/entrypoint.sh", *packages]
    for path in kept:
        for pattern in patterns:
            assert not Path(path).match(pattern) and not path.startswith(pattern.rstrip("/") + "/"), \
                f"{DOCKERIGNORE.name}: {pattern!r} would keep {path} out of the image"
