# ita-monitor on the official Airflow image: Thai fonts, WeasyPrint's system libraries, poppler,
# the locked Python packages and the project itself.  Built by docker-compose.yaml (`docker compose build`).
FROM apache/airflow:3.3.2-python3.11

USER root
# fonts-thai-tlwg: Laksaman (the report font, TLWG's rescale of TH Sarabun New); Pango/HarfBuzz/libthai:
# WeasyPrint's text layout and Thai line breaking; poppler-utils: pdftotext/pdffonts for checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      fonts-thai-tlwg libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libthai0 poppler-utils \
 && apt-get autoremove -yqq --purge \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

USER airflow
# Exactly the run-time versions the project was tested with (apache-airflow==3.3.2 is pinned in the lock too):
# requirements.lock only; the test tools (requirements-test.lock: pytest, ruff, selenium, seaweedfs, ...)
# stay out of the image.
COPY --chown=airflow:0 requirements.lock /opt/ita/requirements.lock
RUN pip install --no-cache-dir -r /opt/ita/requirements.lock

# The project, as tests/deploy/test_install.py checks it: the wheel built from these files (its
# templates, include/templates, ship inside it as package data) and installed without re-resolving
# dependencies; the plugin module into Airflow's plugins folder (its only registration); the DAGs.
COPY --chown=airflow:0 pyproject.toml /opt/ita/src-build/
COPY --chown=airflow:0 src /opt/ita/src-build/src
COPY --chown=airflow:0 include/templates /opt/ita/src-build/include/templates
RUN pip wheel --no-cache-dir --no-deps -w /opt/ita/dist /opt/ita/src-build \
 && pip install --no-cache-dir --no-deps /opt/ita/dist/ita_monitor-*.whl \
 && rm -rf /opt/ita/src-build /opt/ita/dist
COPY --chown=airflow:0 plugins /opt/airflow/plugins
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 include /opt/ita/include

ENV AIRFLOW__ITA__AGENCIES_DIR=/opt/ita/agencies \
    AIRFLOW__ITA__DATA_ROOT=file:///opt/ita/data \
    AIRFLOW__ITA__FONT_REGULAR=/usr/share/fonts/truetype/tlwg/Laksaman.ttf \
    AIRFLOW__ITA__FONT_BOLD=/usr/share/fonts/truetype/tlwg/Laksaman-Bold.ttf
