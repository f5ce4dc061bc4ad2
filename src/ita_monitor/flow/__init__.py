"""The steps of a round (`pipeline`) and of the yearly plan (`yearly`) over the data root, each
recording its result in the status file; the Airflow layer's tasks call these."""
