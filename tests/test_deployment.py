"""How the app is shipped and started: the Docker image, the compose file, the two-command
quick start, the README, and settings that are safe when nothing is configured."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from emotion_site.stack import CRON_CONFIG

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "cron", "reaper", "copy-worker")


# --- docker-compose.yml -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def named_mounts(service: dict) -> dict[str, str]:
    """target -> source for the service's volume mounts (short or long syntax)."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        mounts[target] = source
    return mounts


def test_compose_describes_the_production_services(services):
    assert {"web", "worker", "postgres", "redis", "ray-head", "ray-worker"} <= set(services)


def test_web_runs_gunicorn_on_all_interfaces(services):
    web = command_of(services["web"])
    assert re.search(r"\bgunicorn emotion_site\.wsgi\b", web)
    assert "0.0.0.0:8000" in web
    # Published on the host's loopback only, by default: the reverse proxy faces the internet.
    assert services["web"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}:8000"]


def test_worker_runs_the_rq_worker_on_the_default_queue(services):
    assert re.search(r"\bpython manage\.py rqworker default\b", command_of(services["worker"]))


def test_worker_keeps_its_ray_connection_from_job_to_job(services):
    # SimpleWorker runs jobs in the worker process, so ray.init happens once per worker.
    assert re.search(r"rqworker default .*--worker-class rq\.worker\.SimpleWorker\b", command_of(services["worker"]))
    from rq.worker import SimpleWorker  # the class the command names exists there

    assert SimpleWorker


def test_blurred_copies_have_their_own_worker_on_their_own_queue(services):
    from analysis.runs.blur_launch import COPIES_QUEUE

    command = command_of(services["copy-worker"])
    assert re.search(rf"\bpython manage\.py rqworker {COPIES_QUEUE} --worker-class rq\.worker\.SimpleWorker\b", command)
    assert COPIES_QUEUE not in command_of(services["worker"])  # the analyses' workers never take copies
    assert services["copy-worker"]["volumes"] == services["worker"]["volumes"]  # it reads the videos


def test_the_reaper_runs_on_a_schedule_in_its_own_services(services, tmp_path):
    assert re.search(rf"\bpython manage\.py rqcron {re.escape(CRON_CONFIG)}\b", command_of(services["cron"]))
    assert re.search(r"\bpython manage\.py rqworker maintenance\b", command_of(services["reaper"]))
    # The queue the cron enqueues on is the one the reaper's worker serves, and one the app knows.
    assert settings_subprocess(tmp_path, "print(sorted(settings.RQ_QUEUES))") == "['copies', 'default', 'maintenance']"
    assert '"maintenance"' in (ROOT / f"{CRON_CONFIG.replace('.', '/')}.py").read_text()
    for name in ("cron", "reaper"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_are_configured_from_the_environment(services, name):
    env = env_of(services[name])
    assert re.match(r"postgres(ql)?://[^@]+@postgres:5432/", env["DATABASE_URL"])
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["RAY_ADDRESS"] == "ray-head:6380"
    assert env["MEDIA_ROOT"] == "/data/media"
    assert env["ALLOWED_HOSTS"]
    # No secret is written into the compose file: it must come from the operator.
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_web_and_worker_see_the_same_database_queue_and_cluster(services):
    web, worker = env_of(services["web"]), env_of(services["worker"])
    for name in ("DATABASE_URL", "REDIS_URL", "RAY_ADDRESS", "SECRET_KEY", "MEDIA_ROOT"):
        assert web[name] == worker[name], name


def test_ray_nodes_join_the_head_that_the_app_uses(services):
    address = env_of(services["worker"])["RAY_ADDRESS"]
    host, port = address.rsplit(":", 1)
    assert host in services
    assert port != "6379"  # Redis's port
    head = command_of(services[host])
    assert re.search(r"\bray start --head\b", head) and f"--port={port}" in head and "--block" in head
    ray_worker = command_of(services["ray-worker"])
    assert f"ray start --address={address}" in ray_worker and "--block" in ray_worker
    # A driver connecting by GCS address needs a raylet on its own host, so the
    # worker container joins the cluster (without CPUs) before running jobs.
    worker = command_of(services["worker"])
    assert f"ray start --address={address} --num-cpus=0" in worker
    assert worker.index("ray start") < worker.index("rqworker")


@pytest.mark.parametrize("name", ["worker", "ray-head", "ray-worker"])
def test_ray_nodes_run_the_app_image_with_shared_memory(services, name):
    # Actors import `analysis`: every Ray node needs the project code.
    assert services[name]["image"] == services["web"]["image"]
    assert services[name]["build"] == services["web"]["build"]
    assert services[name]["shm_size"]


def test_postgres_and_redis_have_healthchecks_and_persistent_volumes(compose, services):
    postgres, redis = services["postgres"], services["redis"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert named_mounts(postgres)["/var/lib/postgresql/data"] in compose["volumes"]
    assert redis["image"] == "redis:7"
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_postgres_and_redis(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_web_and_worker_share_one_named_media_volume(compose, services):
    web, worker = named_mounts(services["web"]), named_mounts(services["worker"])
    assert web["/data/media"] == worker["/data/media"]
    assert web["/data/media"] in compose["volumes"]  # a named volume, not a host folder


@pytest.mark.parametrize("name", ["ray-head", "ray-worker"])
def test_ray_nodes_read_the_same_media_volume(services, name):
    # The actors open each video themselves: the path the worker gives them must exist on every node.
    web, node = named_mounts(services["web"]), named_mounts(services[name])
    assert node["/data/media"] == web["/data/media"]
    assert any(str(mount).endswith(":/data/media:ro") for mount in services[name]["volumes"])


@pytest.mark.parametrize("name", ["postgres", "redis"])
def test_backing_services_are_not_published_on_the_host(services, name):
    assert not services[name].get("ports")


# --- Dockerfile ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    text = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines() if line.strip()]


def test_dockerfile_installs_requirements_then_nodeps_without_dependencies(dockerfile):
    assert dockerfile[0] == ("FROM", "python:3.11-slim")
    runs = " && ".join(args for instruction, args in dockerfile if instruction == "RUN")
    plain = re.search(r"pip install (?!--no-deps)[^&]*-r requirements\.txt", runs)
    nodeps = re.search(r"pip install --no-deps -r requirements-nodeps\.txt", runs)
    assert plain and nodeps and plain.start() < nodeps.start()


def test_dockerfile_collects_static_runs_as_non_root_and_serves_with_gunicorn(dockerfile):
    assert any("manage.py collectstatic" in args for instruction, args in dockerfile if instruction == "RUN")
    users = [args.strip() for instruction, args in dockerfile if instruction == "USER"]
    assert users and users[-1] not in {"root", "0"}
    cmd = [args for instruction, args in dockerfile if instruction == "CMD"][-1]
    assert re.search(r'"gunicorn",\s*"emotion_site\.wsgi"', cmd) and "0.0.0.0:8000" in cmd


def test_dockerfile_copies_the_project_but_not_local_state(dockerfile):
    sources = set()
    for instruction, args in dockerfile:
        if instruction in {"COPY", "ADD"}:
            sources.update(part.rstrip("/") for part in args.split()[:-1] if not part.startswith("--"))
    assert not sources & {".venv", "var", ".git"}
    if "." in sources:  # the whole context: a .dockerignore must keep local state out
        ignored = (ROOT / ".dockerignore").read_text().split()
        assert {".venv", "var"} <= {entry.strip("/") for entry in ignored}
    else:
        local_apps = {app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
        needed = local_apps | {"emotion_site", "emotion_training", "templates", "static", "manage.py"}
        assert needed <= sources, f"not copied into the image: {needed - sources}"


# --- Makefile and README ------------------------------------------------------------------------


def test_makefile_has_run_and_test_targets():
    makefile = (ROOT / "Makefile").read_text()
    run = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    test = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert run and "bin/run-local" in run[1]
    assert test and "pytest" in test[1]


def test_readme_quick_start_is_make_run_and_make_test():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def settings_env_vars() -> set[str]:
    source = (ROOT / "emotion_site" / "settings.py").read_text()
    pattern = r"""(?:os\.environ\.get|os\.environ\[|os\.getenv|env_bool|env_list)\(?\s*["']([A-Z0-9_]+)["']"""
    return set(re.findall(pattern, source))


def test_readme_documents_every_environment_variable_the_settings_read():
    names = settings_env_vars()
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "RAY_ADDRESS", "AWS_STORAGE_BUCKET_NAME"} <= names
    names.add("DATABASE_URL")  # read by dj_database_url.config()
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert not undocumented, f"README's configuration table lacks {undocumented}"


# --- Settings: safe by default ------------------------------------------------------------------


def settings_subprocess(tmp_path: Path, code: str, **env: str) -> str:
    """Run `code` with the project's settings in a fresh interpreter and a clean environment."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "emotion_site.settings",
        "EMOTION_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    prelude = "import django\nfrom django.conf import settings\ndjango.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    "env, expected",
    [({}, "False"), ({"DEBUG": "1"}, "True"), ({"DEBUG": "true"}, "True"), ({"DEBUG": "0"}, "False")],
)
def test_debug_is_off_unless_the_environment_turns_it_on(tmp_path, env, expected):
    assert settings_subprocess(tmp_path, "print(settings.DEBUG)", **env) == expected


def test_secret_key_comes_from_the_environment_when_set(tmp_path):
    key = "a-deployment-secret-from-the-environment"
    assert settings_subprocess(tmp_path, "print(settings.SECRET_KEY)", SECRET_KEY=key) == key
    assert not (tmp_path / "var" / "secret_key").exists()


def test_without_secret_key_a_private_random_key_is_kept_locally(tmp_path):
    first = settings_subprocess(tmp_path, "print(settings.SECRET_KEY)")
    assert settings_subprocess(tmp_path, "print(settings.SECRET_KEY)") == first
    assert len(first) >= 50 and not first.startswith("django-insecure")
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert settings_subprocess(tmp_path / "elsewhere", "print(settings.SECRET_KEY)") != first


def test_defaults_allow_only_local_hosts_and_plain_cookies_until_configured(tmp_path):
    code = "print(settings.ALLOWED_HOSTS, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    assert settings_subprocess(tmp_path, code) == "['localhost', '127.0.0.1', '[::1]'] False False"
    assert settings_subprocess(tmp_path, code, ALLOWED_HOSTS="emotions.example.org", HTTPS="1") == (
        "['emotions.example.org'] True True"
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    """HTTPS=1 with a real key and host: no warning from Django's deployment checklist."""
    env = {"HTTPS": "1", "ALLOWED_HOSTS": "emotions.example.org", "SECRET_KEY": "k3y-" + "x7Q9" * 16}
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "emotion_site.settings"}
    clean |= {"EMOTION_VAR_DIR": str(tmp_path / "var"), **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    code = "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SECURE_PROXY_SSL_HEADER)"
    assert settings_subprocess(tmp_path, code, **env) == "True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert settings_subprocess(tmp_path, code) == "False 0 None"


def test_every_response_carries_the_content_security_policy(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.parametrize("path", ["/media/x", "/media/videos/1/clip.mp4"])
def test_no_url_serves_uploaded_media(path):
    with pytest.raises(Resolver404):
        resolve(path)


def test_no_url_serves_uploaded_media_even_with_debug(tmp_path):
    code = (
        "from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/media/x')\n    print('served')\nexcept Resolver404:\n    print('404')\n"
    )
    assert settings_subprocess(tmp_path, code, DEBUG="1") == "404"


@pytest.mark.django_db
def test_a_stored_video_is_not_reachable_by_its_storage_path(isolated_storage_and_queue):
    stored = isolated_storage_and_queue / "videos" / "1" / "clip.mp4"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"not for the public")
    for path in ("/media/videos/1/clip.mp4", "/videos/1/clip.mp4"):
        assert Client().get(path).status_code == 404


@pytest.mark.django_db
def test_csrf_protection_rejects_forms_posted_without_a_token():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    client = Client(enforce_csrf_checks=True)
    form = {"username": "newcomer", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"}
    assert client.post("/accounts/signup/", form).status_code == 403
    # The same form with the token from the page goes through.
    client.get("/accounts/signup/")
    token = client.cookies["csrftoken"].value
    assert client.post("/accounts/signup/", {**form, "csrfmiddlewaretoken": token}).status_code != 403
