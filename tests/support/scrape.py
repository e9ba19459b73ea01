"""Reading visa's /metrics and /health endpoints as Prometheus and a load balancer do."""
import requests
from prometheus_client.parser import text_string_to_metric_families

from .stack import METRICS_TOKEN
from .waiting import eventually


def scrape(url, token=METRICS_TOKEN):
    """{(sample name, sorted labels): value} from one web process's /metrics."""
    answer = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text) for sample in family.samples}


def total(samples, name, **labels):
    """The sum of a metric's samples whose labels include `labels`."""
    return sum(value for (sample, have), value in samples.items()
               if sample == name and set(labels.items()) <= set(have))


def readiness(url):
    answer = requests.get(f"{url}/health/ready", timeout=15)
    return answer.status_code, answer.json()


def wait_for_readiness(url, status, timeout=30):
    """The readiness answer once it has `status` (a check may take a few seconds to see a change)."""
    return eventually(lambda: (answer := readiness(url))[0] == status and answer, timeout, every=0.5)
