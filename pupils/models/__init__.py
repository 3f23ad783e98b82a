from .family import Carer, PupilCarer
from .pupil import Enrolment, Pupil

__all__ = ["Carer", "Enrolment", "Pupil", "PupilCarer"]
