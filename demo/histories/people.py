"""Demo applicants: invented Vietnamese names, ID numbers of valid structure, organisations."""

from __future__ import annotations

import datetime as dt
import random

from dossiers.models import Applicant
from dossiers.services import ApplicantData

SURNAMES = [
    ("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 5),
    ("Phan", 4), ("Vũ", 3), ("Võ", 5), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Trương", 2), ("Đoàn", 1), ("Lương", 1),
]  # fmt: skip
MIDDLE = {
    False: ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Công", "Thành", "Xuân", "Ngọc"],
    True: ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bích", "Mỹ", "Hoài"],
}
GIVEN = {
    False: ["An", "Bình", "Cường", "Dũng", "Đạt", "Hùng", "Hải", "Hiếu", "Khánh", "Long",
            "Nam", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Tuấn", "Việt", "Vinh", "Trung"],
    True: ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai",
           "My", "Nga", "Nhung", "Phương", "Quỳnh", "Thảo", "Trang", "Vy", "Yến"],
}  # fmt: skip
# Province of birth registration (first three digits of the personal ID): mostly Đà Nẵng (048)
# and the former Quảng Nam (049), some from elsewhere.
BIRTH_PROVINCES = [(48, 62), (49, 22), (46, 4), (51, 4), (1, 3), (79, 3), (42, 2)]
ORGANISATION_KINDS = ["Công ty TNHH", "Công ty cổ phần", "Hợp tác xã", "Doanh nghiệp tư nhân"]
TRADES = ["Thương mại", "Xây dựng", "Dịch vụ", "Du lịch", "Nông sản", "Vận tải", "Thủy sản"]


def vietnamese_name(rng: random.Random, female: bool) -> tuple[str, str]:
    """(family and middle name, given name): common names, no real person meant."""
    surname = rng.choices([s for s, _w in SURNAMES], [w for _s, w in SURNAMES])[0]
    return f"{surname} {rng.choice(MIDDLE[female])}", rng.choice(GIVEN[female])


def _serial(seed: int, index: int, modulus: int) -> int:
    """Distinct for distinct indices below `modulus` (7919 is prime to 10^k): no two demo
    people of one run share an ID number."""
    return (index * 7919 + seed * 104_729) % modulus


def demo_person(seed: int, index: int, today: dt.date, places: list[str]) -> ApplicantData:
    """A demo applicant: a person (ID number of valid structure, matching the birth year) or,
    one time in ten, an organisation with a 10-digit tax code."""
    rng = random.Random(f"{seed}:person:{index}")
    address = f"Địa chỉ mẫu số {rng.randint(1, 300)}, {rng.choice(places)}"
    female = rng.random() < 0.5
    family, given = vietnamese_name(rng, female)
    if rng.random() < 0.1:
        kind = rng.choice(ORGANISATION_KINDS)
        return ApplicantData(
            kind=Applicant.Kind.ORGANISATION,
            name=f"{kind} {rng.choice(TRADES)} Mẫu {given} {index % 1000:03d}",
            tax_code=f"99{_serial(seed, index, 10**8):08d}",
            representative=f"{family} {given}",
            address=address,
        )
    born = dt.date(today.year - rng.randint(18, 80), 1, 1) + dt.timedelta(days=rng.randrange(365))
    province = rng.choices([p for p, _w in BIRTH_PROVINCES], [w for _p, w in BIRTH_PROVINCES])[0]
    sex_century = (0 if born.year < 2000 else 2) + int(female)
    return ApplicantData(
        kind=Applicant.Kind.PERSON,
        name=f"{family} {given}",
        personal_id=f"{province:03d}{sex_century}{born.year % 100:02d}"
        f"{_serial(seed, index, 10**6):06d}",
        birth_date=born,
        address=address,
    )
