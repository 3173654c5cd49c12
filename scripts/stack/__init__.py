"""Local stack runner: `make up` / `make down` / `make status`."""
