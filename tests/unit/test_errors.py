"""gov_common.errors: what a client gets when something fails below the domain rules."""

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from gov_common.db import Database
from gov_common.errors import PROBLEM_JSON, ServiceUnavailable, install_error_handlers


class Base(DeclarativeBase):
    pass


class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = (UniqueConstraint("hall", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall: Mapped[str] = mapped_column(String(8))
    number: Mapped[str] = mapped_column(String(8))


def test_a_unique_key_refused_at_commit_is_a_409_problem_and_nothing_is_kept(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'errors.db'}")
    Base.metadata.create_all(db.engine)
    app = FastAPI()
    install_error_handlers(app)

    def session() -> Iterator[Session]:
        with db.session() as s:  # commits before the response, as the services' DbSession does
            yield s

    @app.post("/seats/{hall}/{number}", status_code=201)
    def take(hall: str, number: str, s: Annotated[Session, Depends(session, scope="function")]) -> dict[str, str]:
        s.add(Seat(hall=hall, number=number))
        return {"hall": hall, "number": number}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/seats/A/1").status_code == 201
        again = client.post("/seats/A/1")
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == PROBLEM_JSON
        assert again.json()["code"] == "concurrent_change"
    with db.session() as s:
        assert s.query(Seat).count() == 1
    db.dispose()


def test_a_503_always_says_when_to_ask_again() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/later")
    def later() -> None:
        raise ServiceUnavailable("the registry is unreachable; try again shortly", retry_after=30)

    @app.get("/down")
    def down() -> None:
        raise ServiceUnavailable("no business system is configured for this department")

    with TestClient(app) as client:
        later_answer = client.get("/later")
        assert later_answer.status_code == 503 and later_answer.headers["Retry-After"] == "30"
        assert later_answer.headers["content-type"] == PROBLEM_JSON
        assert later_answer.json()["retry_after"] == 30 and later_answer.json()["code"] == "unavailable"
        down_answer = client.get("/down")
        assert down_answer.status_code == 503 and down_answer.headers["Retry-After"] == "5"
        assert down_answer.json()["retry_after"] == 5
