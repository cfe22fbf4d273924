"""The data-sharing application: runtime, routes and migrations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_sharing.audit.chain import load_or_create_key
from data_sharing.audit.checkpointer import AuditCheckpointer, CheckpointSources
from data_sharing.audit.checkpoints import CheckpointSigner
from data_sharing.audit.endpoints import router as audit_router
from data_sharing.audit.service import AuditLog, record_reported_read, record_reported_reads
from data_sharing.audit.stores import CheckpointFile, CheckpointTopic
from data_sharing.catalogue.builtin import sync_builtin_resources
from data_sharing.catalogue.endpoints import router as catalogue_router
from data_sharing.catalogue.standing import sync_standing_grants
from data_sharing.credit import feed as credit_feed
from data_sharing.credit.endpoints import router as credit_router
from data_sharing.identity.endpoints import router as identity_router
from data_sharing.licenses.endpoints import router as licenses_router
from data_sharing.licenses.service import issue_for_approved_case
from data_sharing.licenses.signing import LicenseSigner
from data_sharing.licenses.sweeper import ExpirySweeper
from data_sharing.licenses.types import sync_builtin_types
from data_sharing.quality.endpoints import router as quality_router
from data_sharing.registries.endpoints import router as registries_router
from data_sharing.seed import seed_demo
from data_sharing.settings import Settings
from data_sharing.warehouse import pseudonym
from data_sharing.warehouse.api import router as cockpit_router
from data_sharing.warehouse.handlers import make_handlers as warehouse_handlers
from data_sharing.warehouse.next_items import router as next_items_router
from gov_common.auth import TokenVerifier
from gov_common.bus import Bus
from gov_common.dead_letters import router as dead_letters_router
from gov_common.events import CREDIT_TOPIC_CONFIG, Event, EventTypes, Topics
from gov_common.keys import load_or_create_private_key, load_public_key
from gov_common.messaging import BatchHandler
from gov_common.migrations import upgrade
from gov_common.service import ServiceRuntime, create_service_app

NAME = "data-sharing"
MIGRATIONS = Path(__file__).parent / "migrations"


def migrate(settings: Settings) -> None:
    upgrade(MIGRATIONS, settings.database_url)


def create_signer(settings: Settings) -> LicenseSigner:
    key = load_or_create_private_key(settings.license_signing_key_path, create=settings.environment != "production")
    return LicenseSigner(key, [load_public_key(p) for p in settings.license_retired_key_paths])


def create_checkpoint_signer(settings: Settings) -> CheckpointSigner:
    key = load_or_create_private_key(
        settings.resolved_audit_checkpoint_key_path, create=settings.environment != "production"
    )
    return CheckpointSigner(key, [load_public_key(p) for p in settings.audit_checkpoint_retired_key_paths])


def create_runtime(
    settings: Settings,
    *,
    bus: Bus | None = None,
    verifier: TokenVerifier | None = None,
    signer: LicenseSigner | None = None,
) -> ServiceRuntime:
    signer = signer or create_signer(settings)

    def on_approved(session: Session, event: Event) -> None:
        issue_for_approved_case(session, event, signer=signer)

    # A gathered batch's reported reads (gov.data.v1) are appended to the audit log at once; those the licences'
    # group handled before they had a group of their own are not appended again.
    on_data_read = BatchHandler(
        lambda session, event: record_reported_read(
            session, event, runtime.extras["audit_log"], handled_by=settings.consumer_group
        ),
        lambda session, events: record_reported_reads(
            session, events, runtime.extras["audit_log"], handled_by=settings.consumer_group
        ),
    )

    runtime = ServiceRuntime(
        name=NAME,
        settings=settings,
        bus=bus,
        verifier=verifier,
        # The approval issues the licence; nothing else is in this group, so nothing delays a licence.
        handlers={EventTypes.CASE_APPROVED: on_approved},
        consumed_topics=[Topics.CASE],
        produced_topics=[Topics.LICENSE],
    )
    # The reads other services report of the personal data they keep copies of (the credit read model), for the
    # audit log, in a group of their own that gathers them (settings.reported_reads_gather_ms).
    runtime.add_consumer(
        group=settings.reported_reads_consumer_group,
        topics=[Topics.DATA],
        handlers={EventTypes.DATA_READ: on_data_read},
        gather_ms=settings.reported_reads_gather_ms,
    )
    # The warehouse (docs/warehouse.md) in a consumer group of its own: the case and licence events, a
    # poll batch at a time. It may lag behind under a peak and catch up; licences never wait for it.
    runtime.add_consumer(
        group=settings.warehouse_consumer_group,
        topics=[Topics.CASE, Topics.LICENSE],
        handlers=warehouse_handlers(pseudonym.load(settings)),
        gather_ms=settings.warehouse_gather_ms,
        max_batch=settings.warehouse_max_batch,
    )
    # gov.credit.v1 (compacted, keyed by subject): service-management's read model of the credit lists.
    runtime.on_start.append(lambda: runtime.bus.ensure_topics([Topics.CREDIT], config=CREDIT_TOPIC_CONFIG))
    heartbeat = credit_feed.Heartbeat(runtime.db, interval=settings.credit_heartbeat_seconds)
    runtime.extras["credit_heartbeat"] = heartbeat
    audit_key = load_or_create_key(settings.resolved_audit_key_path, create=settings.environment != "production")
    audit_log = AuditLog(runtime.db, audit_key)
    checkpoint_signer = create_checkpoint_signer(settings)
    checkpoint_sources = CheckpointSources(
        keys=checkpoint_signer.public_keys,
        file=CheckpointFile(file) if (file := settings.resolved_audit_checkpoint_file) else None,
        topic=CheckpointTopic(runtime.bus),
    )
    checkpointer = AuditCheckpointer(
        runtime.db,
        key=audit_key,
        signer=checkpoint_signer,
        sources=checkpoint_sources,
        interval_seconds=settings.audit_checkpoint_seconds,
        rebase=settings.audit_checkpoint_rebase,
    )
    runtime.extras["license_signer"] = signer
    runtime.extras["audit_log"] = audit_log
    runtime.extras["audit_checkpoint_signer"] = checkpoint_signer
    runtime.extras["audit_checkpoints"] = checkpoint_sources
    runtime.extras["audit_checkpointer"] = checkpointer
    sweeper = ExpirySweeper(runtime.db, interval_seconds=settings.license_expiry_sweep_seconds)
    runtime.extras["expiry_sweeper"] = sweeper

    def _prepare() -> None:
        for attempt in (1, 2):  # replicas starting together: the one that lost the race finds the rows
            try:
                with runtime.db.session() as session:
                    sync_builtin_resources(session)
                    sync_builtin_types(session)
                with runtime.db.session() as session:
                    sync_standing_grants(session, valid_days=settings.grant_max_days)
                if settings.seed_demo:
                    with runtime.db.session() as session:
                        seed_demo(session)
                with runtime.db.session() as session:
                    credit_feed.backfill(session)  # records never published (written before the feed)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        audit_log.sign_unsigned_head()
        heartbeat.start()
        if settings.run_worker:
            sweeper.start()
            if checkpoint_sources.topic is not None:
                checkpoint_sources.topic.ensure()
            checkpointer.start()

    runtime.on_start.append(_prepare)
    runtime.on_stop.append(sweeper.stop)
    runtime.on_stop.append(heartbeat.stop)
    runtime.on_stop.append(checkpointer.stop)  # writes the shutdown checkpoint
    return runtime


def create_app(
    settings: Settings | None = None, *, runtime: ServiceRuntime | None = None, manage_lifespan: bool = True
) -> FastAPI:
    runtime = runtime or create_runtime(settings or Settings())
    app = create_service_app(
        runtime,
        title="政务服务数据共享平台 data-sharing",
        description="Base registries, the data catalogue and grants, the electronic-licence library, credit, "
        "data quality and the audit log. Every read of personal data is governed and recorded.",
        manage_lifespan=manage_lifespan,
    )
    app.state.license_signer = runtime.extras["license_signer"]
    app.state.audit_log = runtime.extras["audit_log"]
    app.state.audit_checkpoint_signer = runtime.extras["audit_checkpoint_signer"]
    app.state.audit_checkpoints = runtime.extras["audit_checkpoints"]
    for router in (
        licenses_router,
        registries_router,
        catalogue_router,
        credit_router,
        audit_router,
        quality_router,
        cockpit_router,
        next_items_router,
        identity_router,
        dead_letters_router,
    ):
        app.include_router(router)
    return app
