"""gov_common.errors: what a client gets when something fails below the domain rules."""

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from gov_common.db import Database
from gov_common.errors import PROBLEM_JSON, install_error_handlers


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
