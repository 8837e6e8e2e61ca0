"""Smoke test: the server the fixtures start answers its liveness probe."""

from harness import no_proxy_opener


def test_healthz_answers_200(verifyd):
    with no_proxy_opener().open(f"{verifyd.base_url}/healthz", timeout=5) as response:
        assert response.status == 200
