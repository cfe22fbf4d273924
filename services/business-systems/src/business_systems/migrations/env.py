from business_systems.models import Base
from gov_common.migrations import run_env

run_env(Base.metadata)
