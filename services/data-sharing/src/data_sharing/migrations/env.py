from data_sharing.models import Base
from gov_common.migrations import run_env

run_env(Base.metadata)
