"""Ingestion library: GCS object -> validated rows -> PostgreSQL -> feature store.

Airflow tasks are thin wrappers over these modules, so every step is testable without
Airflow. Nothing here touches the network or the database at import time.
"""
