"""`titanic-ui`: run the service under uvicorn."""

from titanic_common.server import serve
from titanic_common.settings import port_of
from ui_service.settings import get_settings


def main() -> None:
    settings = get_settings()
    serve("ui_service.app:build_app", "ui", settings, port_of(settings.UI_URL))


if __name__ == "__main__":
    main()
