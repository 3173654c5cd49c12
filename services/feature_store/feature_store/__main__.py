"""`titanic-feature-store`: run the service under uvicorn."""

from feature_store.settings import get_settings
from titanic_common.server import serve
from titanic_common.settings import port_of


def main() -> None:
    settings = get_settings()
    serve(
        "feature_store.app:build_app",
        "feature-store",
        settings,
        port_of(settings.FEATURE_STORE_URL),
    )


if __name__ == "__main__":
    main()
