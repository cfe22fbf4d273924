from gov_common.migrations import run_env
from portal_gateway.models import Base

run_env(Base.metadata)
