"""`titanic-model`: run the service under uvicorn."""

from model_service.settings import get_settings
from titanic_common.server import serve
from titanic_common.settings import port_of


def main() -> None:
    settings = get_settings()
    serve("model_service.app:build_app", "model", settings, port_of(settings.MODEL_URL))


if __name__ == "__main__":
    main()
