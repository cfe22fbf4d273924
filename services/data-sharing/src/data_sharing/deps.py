"""Dependencies the endpoints share: the audit log, the licence signer, the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from data_sharing.audit.checkpointer import CheckpointSources
from data_sharing.audit.checkpoints import CheckpointSigner
from data_sharing.audit.service import AuditLog
from data_sharing.licenses.signing import LicenseSigner
from data_sharing.settings import Settings


def get_audit_log(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit_log
    return audit


def get_checkpoint_sources(request: Request) -> CheckpointSources:
    sources: CheckpointSources = request.app.state.audit_checkpoints
    return sources


def get_checkpoint_signer(request: Request) -> CheckpointSigner:
    signer: CheckpointSigner = request.app.state.audit_checkpoint_signer
    return signer


def get_signer(request: Request) -> LicenseSigner:
    signer: LicenseSigner = request.app.state.license_signer
    return signer


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


Audit = Annotated[AuditLog, Depends(get_audit_log)]
Checkpoints = Annotated[CheckpointSources, Depends(get_checkpoint_sources)]
CheckpointKeys = Annotated[CheckpointSigner, Depends(get_checkpoint_signer)]
Signer = Annotated[LicenseSigner, Depends(get_signer)]
DsSettings = Annotated[Settings, Depends(get_settings)]
FieldsQuery = Annotated[
    str | None, Query(max_length=2000, description="Comma-separated fields to receive (default: all you may)")
]
PurposeQuery = Annotated[str | None, Query(max_length=500, description="Why you read this (recorded in the audit log)")]
