from .organisations import LocalAuthority, School
from .tokens import ApiToken
from .two_factor import SecondFactorThrottle
from .users import Role, User

__all__ = ["ApiToken", "LocalAuthority", "Role", "School", "SecondFactorThrottle", "User"]
