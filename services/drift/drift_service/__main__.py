"""`titanic-drift`: run the service under uvicorn."""

from drift_service.settings import get_settings
from titanic_common.server import serve
from titanic_common.settings import port_of


def main() -> None:
    settings = get_settings()
    serve("drift_service.app:build_app", "drift", settings, port_of(settings.DRIFT_URL))


if __name__ == "__main__":
    main()
