"""Test-wide settings.

CI runs on a shared 2-core machine: Hypothesis' per-example deadline would turn a slow moment
(or a first-call numba load) into a flaky failure, so no deadline anywhere; example counts stay
as each test sets them.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("leanxl", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("leanxl")
