# syntax=docker/dockerfile:1
# pgbouncer from Debian 12: version 1.18, the one the tests run on loopback (Debian's package), so what is tested is
# what ships. The configuration comes from compose.yaml (pgbouncer.ini and the generated userlist).
FROM debian:bookworm-slim
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends pgbouncer=1.18.* \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10002 --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin pgbouncer
# pgbouncer refuses to run as root. A numeric user, so an orchestrator can tell it is not root.
USER 10002:10002
EXPOSE 6432
ENTRYPOINT ["pgbouncer"]
CMD ["/etc/pgbouncer/pgbouncer.ini"]
