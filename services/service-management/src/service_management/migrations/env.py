from gov_common.migrations import run_env
from service_management.models import Base

run_env(Base.metadata)
