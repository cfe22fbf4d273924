from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gov_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DS_", extra="ignore")

    database_url: str = "sqlite:///var/data-sharing.db"
    consumer_group: str = "data-sharing"
    # The warehouse's consumer group (docs/warehouse.md): apart from the licences' group, so that a
    # warehouse that lags never delays a licence. A new group reads the topics from their beginning.
    warehouse_consumer_group: str = "data-sharing-warehouse"
    # How long the warehouse's fetches wait for events to gather: a batch (one transaction, one offset
    # commit) per second of events instead of one per few events, for figures at most about this late.
    # 0: fetch like every other group.
    warehouse_gather_ms: int = Field(default=1000, ge=0, le=10000)
    warehouse_max_batch: int = Field(default=500, ge=1, le=5000)
    # The reads other services report (gov.data.v1, docs/audit.md "Credit reads") go to the audit log from a group
    # of their own that gathers them as the warehouse's does: one append (lock, chain end, insert) per
    # `reported_reads_gather_ms` of reads instead of one per few. A person sees a read under 谁查看了我的数据 about
    # that much later. Until 2026-12-07 the licences' group (`consumer_group`) handled them: its inbox says
    # which reads are in the log already, so that the new group, which reads the topic from its beginning,
    # appends none twice.
    reported_reads_consumer_group: str = "data-sharing-reported-reads"
    reported_reads_gather_ms: int = Field(default=1000, ge=0, le=10000)
    # Ed25519 key that signs electronic licences; generated on first start outside production.
    license_signing_key_path: str = "var/keys/license-signing.pem"
    # Retired licence-signing keys (PEM files of public or private keys) that still verify what they signed.
    license_retired_key_paths: list[str] = Field(default_factory=list)
    # HMAC key of the audit chain; empty: `audit-chain.key` beside the licence-signing key.
    audit_key_path: str = ""
    # HMAC key of the warehouse's pseudonymous applicant keys (docs/warehouse.md); empty: derived from
    # the audit-chain key. Changing it changes every key: rebuild the warehouse afterwards.
    warehouse_key_path: str = ""
    # Ed25519 key that signs audit checkpoints (docs/audit.md); empty: `audit-checkpoint.pem` beside
    # the licence-signing key. Generated on first start outside production.
    audit_checkpoint_key_path: str = ""
    # Retired checkpoint keys (PEM, public or private) that still verify what they signed.
    audit_checkpoint_retired_key_paths: list[str] = Field(default_factory=list)
    # How often the worker checkpoints the chain (when it advanced); also at shutdown.
    audit_checkpoint_seconds: float = Field(default=60.0, gt=0)
    # The JSONL file of checkpoints the operator archives; empty: `audit-checkpoints.jsonl` beside
    # the licence-signing key; "-": none (the topic only).
    audit_checkpoint_file: str = ""
    # Once, after restoring the database from a backup: sign the chain as it is although it no longer
    # extends the last checkpoint (verification reports the lost entries until then). Turn off again.
    audit_checkpoint_rebase: bool = False
    # The most entries one export (GET /api/v1/audit/export) holds.
    audit_export_max_entries: int = Field(default=1000, ge=1, le=10000)
    # The gateway's public address: QR codes encode the verification page {public_base_url}/verify/{no}.
    public_base_url: str = "http://127.0.0.1:8000"
    license_expiry_sweep_seconds: float = Field(default=60.0, gt=0)
    # How often every process publishes the credit feed's heartbeat (credit/feed.py): service-management
    # decides from its read model of the credit lists only while heartbeats keep coming.
    credit_heartbeat_seconds: float = Field(default=2.0, gt=0)
    grant_max_days: int = Field(default=365, ge=1, le=3650)
    import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    @property
    def resolved_audit_key_path(self) -> str:
        return self.audit_key_path or str(Path(self.license_signing_key_path).parent / "audit-chain.key")

    @property
    def resolved_audit_checkpoint_file(self) -> str | None:
        if self.audit_checkpoint_file == "-":
            return None
        return self.audit_checkpoint_file or str(Path(self.license_signing_key_path).parent / "audit-checkpoints.jsonl")

    @property
    def resolved_audit_checkpoint_key_path(self) -> str:
        return self.audit_checkpoint_key_path or str(
            Path(self.license_signing_key_path).parent / "audit-checkpoint.pem"
        )
