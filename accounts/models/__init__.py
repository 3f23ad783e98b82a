from .organisations import LocalAuthority, School
from .two_factor import SecondFactorThrottle
from .users import Role, User

__all__ = ["LocalAuthority", "Role", "School", "SecondFactorThrottle", "User"]
