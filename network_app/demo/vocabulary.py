"""Words the demo network is built from: a fictional city, causes, names, roles and phrases.

Plain data only. Everything here is invented; names are combined at random, so any likeness
to a real person is a coincidence.
"""

from __future__ import annotations

CITY = "Riverton"

# Neighbourhood -> a few streets (used for "neighbours on ..." tie contexts).
NEIGHBOURHOODS: dict[str, tuple[str, ...]] = {
    "Old Mill": ("Millrace Road", "Tannery Lane", "Weir Street"),
    "Harbourside": ("Quay Street", "Ropewalk", "Lighthouse Row"),
    "Eastgate": ("Gate Street", "Ashby Avenue", "Tollhouse Road"),
    "Willow Park": ("Willow Crescent", "Pondside Drive", "Heron Way"),
    "Cedar Heights": ("Cedar Avenue", "Summit Road", "Lookout Terrace"),
    "Northfield": ("Barley Street", "Northfield Road", "Orchard Close"),
    "Riverside Flats": ("Towpath Street", "Ferry Lane", "Levee Road"),
    "Market Square": ("Market Street", "Guild Lane", "Corn Exchange Row"),
    "Southbank": ("Bridge Street", "Wharf Road", "Chandler Way"),
    "Lantern Hill": ("Lantern Street", "Belvedere Road", "Clocktower Lane"),
    "Brickworks": ("Kiln Street", "Clay Pit Road", "Foundry Lane"),
    "Orchard Grove": ("Pippin Street", "Damson Lane", "Cider Mill Road"),
}

# Two-level taxonomy: (name, description, [(child name, child description), ...]).
# Each top-level cause also lists resources people offer and need, so offers and needs match.
CAUSES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Food security",
        "Everyone in Riverton can get enough healthy, affordable, culturally right food.",
        (
            (
                "Community gardens",
                "Shared plots, seed libraries and growing skills on vacant lots.",
            ),
            ("Food banks", "Emergency food, pantry networks and dignified distribution."),
            (
                "Community kitchens",
                "Shared commercial kitchens, cooking classes and meal programs.",
            ),
        ),
    ),
    (
        "Affordable housing",
        "Homes people can afford to stay in, with tenants who have a say.",
        (
            ("Tenant organizing", "Tenants' unions, building associations and eviction defence."),
            ("Community land trusts", "Land held in common so homes stay permanently affordable."),
            ("Co-op housing", "Resident-owned housing co-operatives, new and existing."),
        ),
    ),
    (
        "Climate",
        "A Riverton that cuts its emissions and is ready for heat and floods.",
        (
            ("Home energy retrofits", "Insulation, heat pumps and solar for homes on low incomes."),
            ("Urban tree canopy", "Planting and caring for street trees where shade is scarce."),
            ("Flood resilience", "Rain gardens, river clean-ups and neighbourhood flood plans."),
        ),
    ),
    (
        "Local economy",
        "Wealth that stays in the neighbourhoods that create it.",
        (
            ("Worker co-ops", "Businesses owned and run by the people who work in them."),
            ("Small business support", "Mentoring, shared space and fair loans for local shops."),
            ("Local procurement", "Anchor institutions buying from local and diverse suppliers."),
        ),
    ),
    (
        "Youth",
        "Young people with places to go, people who believe in them and paths to good work.",
        (
            ("After-school programs", "Homework clubs, sport and mentoring after the bell."),
            ("Youth employment", "First jobs, apprenticeships and paid internships."),
        ),
    ),
    (
        "Arts",
        "Culture made by and for the neighbourhoods.",
        (
            ("Public art", "Murals, festivals and art in everyday places."),
            ("Community theatre", "Local stories on local stages."),
        ),
    ),
    (
        "Health",
        "Care that reaches people where they live.",
        (
            ("Mental health peer support", "Peer circles, crisis lines and stigma-free spaces."),
            ("Community health workers", "Trusted neighbours who connect people to care."),
        ),
    ),
    (
        "Transit",
        "Getting around Riverton safely and cheaply without a car.",
        (
            ("Safe streets", "Traffic calming, crossings and protected bike lanes."),
            ("Bus service", "Frequent, reliable, affordable buses for every neighbourhood."),
        ),
    ),
)

# Top-level cause -> resources that people offer or need (the same words on both sides).
RESOURCES: dict[str, tuple[str, ...]] = {
    "Food security": (
        "commercial kitchen access",
        "a delivery van on weekends",
        "volunteer drivers",
        "bulk food purchasing",
        "garden plots",
        "food safety training",
        "cold storage",
        "grant writing for food programs",
    ),
    "Affordable housing": (
        "tenant law advice",
        "meeting space for tenant assemblies",
        "translation for tenant meetings",
        "a housing finance contact",
        "door-knocking volunteers",
        "architectural drawings",
        "land trust bylaws",
        "data on local landlords",
    ),
    "Climate": (
        "energy audits",
        "a tree nursery contact",
        "heat pump installers",
        "volunteers for planting days",
        "flood mapping data",
        "tools to lend",
        "a climate grant contact",
    ),
    "Local economy": (
        "bookkeeping help",
        "co-op conversion advice",
        "affordable retail space",
        "a small loan",
        "procurement contacts at the hospital",
        "marketing help",
        "legal advice for co-ops",
    ),
    "Youth": (
        "mentors",
        "summer job placements",
        "a gym on weekday evenings",
        "tutors in maths and science",
        "a van for field trips",
        "funding for stipends",
    ),
    "Arts": (
        "a wall for a mural",
        "rehearsal space",
        "lighting and sound equipment",
        "artists for workshops",
        "a festival permit contact",
        "printing at cost",
    ),
    "Health": (
        "a trained peer facilitator",
        "a quiet room for support circles",
        "a clinic partnership",
        "interpreters",
        "first-aid training",
        "outreach volunteers",
    ),
    "Transit": (
        "traffic count data",
        "a contact at the transit authority",
        "volunteers for street audits",
        "a safe-streets petition",
        "bike repair skills",
        "maps and design help",
    ),
}

# Sectors (people.models.Sector values) that lean towards a top-level cause.
SECTOR_CAUSES: dict[str, tuple[str, ...]] = {
    "nonprofit": ("Food security", "Youth", "Health"),
    "cooperative": ("Local economy", "Affordable housing"),
    "community_development": ("Affordable housing", "Local economy"),
    "organizing": ("Affordable housing", "Transit", "Climate"),
    "business": ("Local economy",),
    "food": ("Food security", "Local economy"),
    "government": ("Transit", "Climate", "Affordable housing"),
    "education": ("Youth", "Arts"),
    "health": ("Health",),
    "housing": ("Affordable housing",),
    "arts": ("Arts", "Youth"),
    "faith": ("Food security", "Health"),
    "philanthropy": ("Local economy", "Youth"),
    "technology": ("Climate", "Transit"),
    "labour": ("Local economy", "Climate"),
    "resident": ("Transit", "Climate", "Food security"),
}

# Relative frequency of each sector among people.
SECTOR_WEIGHTS: dict[str, int] = {
    "resident": 14,
    "nonprofit": 12,
    "organizing": 7,
    "cooperative": 6,
    "community_development": 4,
    "business": 9,
    "food": 7,
    "government": 6,
    "education": 8,
    "health": 7,
    "housing": 5,
    "arts": 6,
    "faith": 4,
    "philanthropy": 3,
    "technology": 5,
    "labour": 5,
}

# Sector -> (headline roles, skills).
SECTOR_PROFILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nonprofit": (
        ("Program manager", "Volunteer coordinator", "Executive director", "Outreach worker"),
        ("grant writing", "volunteer management", "program design", "fundraising"),
    ),
    "cooperative": (
        ("Member-owner", "Co-op developer", "Board treasurer", "General manager"),
        ("co-op governance", "facilitation", "bookkeeping", "member education"),
    ),
    "community_development": (
        ("Project manager", "Real estate developer", "Loan officer", "Planner"),
        ("real estate finance", "project management", "community engagement", "lending"),
    ),
    "organizing": (
        ("Tenant organizer", "Community organizer", "Campaign lead", "Canvass coordinator"),
        ("door knocking", "campaign strategy", "public speaking", "coalition building"),
    ),
    "business": (
        ("Shop owner", "Hardware store owner", "Bakery owner", "Consultant"),
        ("retail", "marketing", "bookkeeping", "customer service"),
    ),
    "food": (
        ("Chef", "Caterer", "Food truck owner", "Urban farmer", "Baker"),
        ("cooking", "food safety", "menu planning", "growing vegetables"),
    ),
    "government": (
        ("City planner", "Council staffer", "Parks officer", "Transit analyst"),
        ("urban planning", "policy analysis", "permits", "public consultation"),
    ),
    "education": (
        ("Teacher", "School principal", "Researcher", "Librarian", "Tutor"),
        ("teaching", "research", "curriculum design", "youth mentoring"),
    ),
    "health": (
        ("Nurse", "Community health worker", "Counsellor", "Pharmacist"),
        ("first aid", "counselling", "health education", "case management"),
    ),
    "housing": (
        ("Housing advocate", "Property manager", "Architect", "Builder"),
        ("housing law", "construction", "architecture", "property management"),
    ),
    "arts": (
        ("Muralist", "Theatre director", "Musician", "Photographer"),
        ("painting", "event production", "photography", "storytelling"),
    ),
    "faith": (
        ("Pastor", "Imam", "Congregation organizer", "Chaplain"),
        ("pastoral care", "community meals", "facilitation", "fundraising"),
    ),
    "philanthropy": (
        ("Program officer", "Foundation director", "Donor organizer"),
        ("grant making", "evaluation", "fundraising", "networking"),
    ),
    "technology": (
        ("Software developer", "Data analyst", "IT volunteer", "Designer"),
        ("web development", "data analysis", "mapping", "design"),
    ),
    "labour": (
        ("Electrician", "Union steward", "Carpenter", "Plumber"),
        ("electrical work", "carpentry", "negotiation", "safety training"),
    ),
    "resident": (
        ("Neighbour", "Retired teacher", "Parent", "Block captain", "Student"),
        ("listening", "translation", "cooking", "gardening"),
    ),
}
GENERAL_SKILLS = (
    "Spanish",
    "Arabic",
    "Vietnamese",
    "Tagalog",
    "Somali",
    "French",
    "social media",
    "spreadsheets",
    "writing",
    "driving",
    "childcare",
    "meeting facilitation",
)

# First names by usual pronouns; combined freely with surnames from many cultures.
FIRST_NAMES_SHE = (
    "Amara", "Ana", "Aisha", "Beatriz", "Bich", "Carmen", "Chiamaka", "Dalia", "Deborah",
    "Elena", "Esperanza", "Fatima", "Grace", "Hana", "Ifeoma", "Ingrid", "Isabel", "Jasmine",
    "Kalani", "Keiko", "Leila", "Lucia", "Mai", "Maria", "Maryam", "Mei", "Nadia", "Naledi",
    "Nour", "Olga", "Priya", "Rosa", "Sadia", "Sakura", "Sofia", "Sunita", "Tamar", "Thandi",
    "Valentina", "Wanjiru", "Ximena", "Yasmin", "Zainab", "Zoe", "Claire", "Margaret", "Ruth",
    "Linh", "Ayesha", "Halima", "Noemi", "Dana",
)  # fmt: skip
FIRST_NAMES_HE = (
    "Abdi", "Ahmed", "Alejandro", "Andre", "Arjun", "Ben", "Carlos", "Chen", "Daniel", "Dmitri",
    "Emeka", "Farid", "Hamza", "Hiroshi", "Ibrahim", "Jamal", "Javier", "Jonah", "Kofi", "Kwame",
    "Lars", "Luis", "Malik", "Marco", "Mateo", "Minh", "Mohammed", "Nikolai", "Omar", "Pablo",
    "Rahul", "Raul", "Samuel", "Sanjay", "Tariq", "Tomas", "Tunde", "Viktor", "Wei", "Yusuf",
    "Patrick", "George", "Hugh", "Desmond", "Rafael", "Bao", "Diego", "Elijah",
)  # fmt: skip
FIRST_NAMES_THEY = (
    "Alex", "Ari", "Avery", "Charlie", "Dakota", "Eden", "Jordan", "Kai", "Morgan", "Noor",
    "Quinn", "Remy", "Riley", "Rowan", "Sage", "Sam", "Skyler", "Taylor",
)  # fmt: skip
LAST_NAMES = (
    "Abara", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Baptiste", "Begum", "Bianchi",
    "Bui", "Castillo", "Chen", "Chowdhury", "Cohen", "Cruz", "Da Silva", "Delgado", "Dubois",
    "Eze", "Fernandes", "Fischer", "Flores", "Gallagher", "Garcia", "Gonzalez", "Gupta",
    "Haddad", "Hassan", "Horvath", "Hughes", "Ibrahim", "Ito", "Jensen", "Johnson", "Kaur",
    "Khan", "Kim", "Kowalski", "Kuznetsova", "Lee", "Lopez", "MacLeod", "Mahmoud", "Martin",
    "Mbeki", "Mendoza", "Molina", "Mukherjee", "Murphy", "Nakamura", "Nguyen", "Novak",
    "Nwosu", "O'Brien", "Okafor", "Okonkwo", "Olsen", "Osei", "Park", "Patel", "Pereira",
    "Petrov", "Popescu", "Ramirez", "Reyes", "Rossi", "Said", "Santos", "Schmidt", "Shah",
    "Singh", "Sokolov", "Suzuki", "Tanaka", "Thompson", "Tran", "Vargas", "Walker", "Wang",
    "Warsame", "Williams", "Wilson", "Wojcik", "Yamamoto", "Yilmaz", "Zhang", "Zulu",
)  # fmt: skip

# Organization names by kind; "{n}" is a neighbourhood, "{s}" a surname, "{c}" the city.
ORGANIZATION_NAMES: dict[str, tuple[str, ...]] = {
    "nonprofit": (
        "{n} Food Bank",
        "{n} Youth Alliance",
        "{c} Tenant Rights Centre",
        "{n} Neighbourhood House",
        "Friends of {n} Park",
        "{c} Bike Collective",
        "{n} Family Resource Centre",
    ),
    "cooperative": (
        "{n} Grocery Co-op",
        "{n} Housing Co-operative",
        "{s} Street Bakers' Co-op",
        "{c} Cleaning Workers' Co-op",
        "{n} Solar Co-op",
        "{c} Childcare Co-op",
    ),
    "cdc": ("{n} Community Development Corporation", "{n} Renewal Partnership"),
    "business": (
        "{s}'s Bakery",
        "{s} & Daughters Hardware",
        "{n} Print Shop",
        "{s}'s Kitchen",
        "{n} Bike Repair",
        "{s} Architects",
        "The {n} Cafe",
    ),
    "government": (
        "{c} Planning Department",
        "{c} Parks and Recreation",
        "{n} Public Library",
        "{c} Transit Authority",
        "{c} Public Health Office",
    ),
    "education": (
        "{c} Community College",
        "{n} Elementary School",
        "{n} High School",
        "{c} University",
        "{n} Adult Learning Centre",
    ),
    "funder": ("{c} Community Foundation", "{s} Family Foundation", "{c} United Way"),
    "faith": (
        "St. {s}'s Church",
        "{n} Mosque",
        "{n} Gurdwara",
        "{n} Friends Meeting House",
        "Temple of {n}",
        "{n} Baptist Church",
    ),
    "informal": (
        "{n} Tenants' Association",
        "{n} Mutual Aid Network",
        "{s} Street Block Club",
        "{n} Repair Cafe",
        "{n} Seed Swap",
        "{n} Walking Group",
    ),
}
ORGANIZATION_KIND_WEIGHTS: dict[str, int] = {
    "nonprofit": 20,
    "cooperative": 12,
    "cdc": 4,
    "business": 22,
    "government": 5,
    "education": 8,
    "funder": 3,
    "faith": 10,
    "informal": 16,
}
ROLES: dict[str, tuple[str, ...]] = {
    "nonprofit": ("Volunteer", "Board member", "Staff", "Program lead"),
    "cooperative": ("Member-owner", "Board member", "Worker-owner"),
    "cdc": ("Board member", "Staff", "Resident advisor"),
    "business": ("Owner", "Employee", "Manager"),
    "government": ("Staff", "Advisory committee member"),
    "education": ("Teacher", "Student", "Staff", "Parent volunteer"),
    "funder": ("Program officer", "Trustee", "Grant committee member"),
    "faith": ("Congregant", "Elder", "Volunteer", "Clergy"),
    "informal": ("Member", "Founder", "Coordinator"),
}

# Tie contexts and kinds by where two people met. "{o}" organization, "{n}" neighbourhood,
# "{st}" street, "{c}" city, "{y}" the year the tie began, "{cause}" a cause, "{event}" a
# cause's yearly event, "{m}" the first name of the mutual contact.
CONTEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "block": (
        ("neighbours on {st}", "neighbour"),
        ("met at the {n} block party", "neighbour"),
        ("our kids go to school together in {n}", "friend"),
        ("same building on {st} since {y}", "neighbour"),
        ("walk our dogs in {n} every morning", "friend"),
    ),
    "organization": (
        ("same {o} board since {y}", "board"),
        ("colleagues at {o}", "colleague"),
        ("volunteered together at {o}", "collaborator"),
        ("both part of {o} since {y}", "collaborator"),
    ),
    "cause": (
        ("met at {event}", "met_at_event"),
        ("organized the {cause} working group together", "collaborator"),
        ("met at a {cause} meeting in {n}", "met_at_event"),
        ("ran a {cause} campaign together in {y}", "collaborator"),
    ),
    "triad": (
        ("met through {m}", "friend"),
        ("introduced by {m} at a potluck", "friend"),
        ("friends of {m}", "friend"),
        ("both work with {m}", "collaborator"),
    ),
    "long": (
        ("studied together at {c} Community College", "friend"),
        ("met at the {c} Climate Summit", "met_at_event"),
        ("mentor since {y}", "mentor"),
        ("old friends from before moving to {c}", "friend"),
        ("met on a city advisory panel in {y}", "colleague"),
    ),
}
# Each top-level cause's yearly gathering, where people meet.
EVENTS: dict[str, str] = {
    "Food security": "the {c} Food Summit",
    "Affordable housing": "the {c} tenants' assembly",
    "Climate": "the {c} Climate Summit",
    "Local economy": "the {c} co-op fair",
    "Youth": "the {c} youth jobs fair",
    "Arts": "the {n} arts festival",
    "Health": "the {c} health equity forum",
    "Transit": "the {c} bus riders' town hall",
}
