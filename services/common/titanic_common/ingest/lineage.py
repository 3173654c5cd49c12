"""Names shared by the ingestion and training DAGs (no Airflow import here)."""

# The Asset extract_titanic_data updates and train_titanic_model is scheduled on.
PASSENGERS_ASSET_URI = "postgres://titanic/public/passengers"
PASSENGERS_ASSET_NAME = "titanic_passengers"
INGEST_JOB = "titanic_ingest"
TRAIN_JOB = "titanic_train"
