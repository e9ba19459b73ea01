"""/health/live and /health/ready (visa/monitoring.py), as a load balancer asks them: readiness
goes unready when Redis or the cloud stops and ready again when it returns, naming the check and
nothing of why; liveness asks nothing and stays up."""
import requests

from deploy.devcloud.testing import start_devcloud
from tests.support.scrape import readiness, wait_for_readiness
from tests.support.stack import Stack

EVERY_CHECK = {"database", "redis", "broker", "channellayer", "cloud"}


def web_only(tmp_path, devcloud_url, **env):
    return Stack(tmp_path, devcloud_url, env=env, worker=False)


def test_ready_with_every_dependency_and_live_without_asking_them(stack):
    code, body = readiness(stack.url)
    assert code == 200 and body == {"status": "ok", "checks": dict.fromkeys(EVERY_CHECK, "ok")}
    answer = requests.get(f"{stack.url}/health/live", timeout=5)
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "checks": {}}


def test_unready_while_redis_is_away_and_ready_when_it_returns(redis_server, devcloud, tmp_path):
    web = web_only(tmp_path, devcloud.auth_url, REDIS_URL=redis_server.url)
    try:
        assert readiness(web.url)[0] == 200
        redis_server.stop()
        code, body = wait_for_readiness(web.url, 503)
        assert code == 503 and body["status"] == "unavailable"
        assert {name for name, state in body["checks"].items() if state == "unavailable"} == {
            "redis", "broker", "channellayer"}
        assert "127.0.0.1" not in str(body) and str(redis_server.port) not in str(body)  # why is in the log
        assert requests.get(f"{web.url}/health/live", timeout=5).status_code == 200
        redis_server.start()
        assert wait_for_readiness(web.url, 200)[0] == 200
    finally:
        web.stop()


def test_unready_while_the_cloud_is_away_and_ready_when_it_returns(tmp_path):
    cloud = start_devcloud(tmp_path)
    web = web_only(tmp_path, cloud.auth_url)
    try:
        assert readiness(web.url)[0] == 200
        cloud.stop()
        code, body = wait_for_readiness(web.url, 503)
        assert code == 503 and body["checks"] == {**dict.fromkeys(EVERY_CHECK, "ok"), "cloud": "unavailable"}
        cloud.start()
        assert wait_for_readiness(web.url, 200)[0] == 200
    finally:
        web.stop()
        cloud.stop()
