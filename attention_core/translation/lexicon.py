"""The words of the toy English → French-like language: every English form, its kind, and its French forms.

The tables are data only; `grammar.py` holds the rules that put the French words in order and make them agree.
French forms are real French (conjugations, feminine and plural forms, elided and contracted articles).
"""

from __future__ import annotations

from typing import NamedTuple

VOWELS = frozenset("aeiouàâäéèêëîïôöûùüœæ")  # a French word starting with one of these elides "le", "de", ...


def starts_with_vowel(word: str) -> bool:
    """Whether a French word begins with a vowel (so "le" becomes "l'", "de" becomes "d'")."""
    return bool(word) and word[0] in VOWELS


class Noun(NamedTuple):
    """An English noun: its plural, its French singular and plural, and the French gender ("m" | "f")."""

    plural: str
    fr_sg: str
    fr_pl: str
    gender: str


NOUNS: dict[str, Noun] = {
    "cat": Noun("cats", "chat", "chats", "m"),
    "dog": Noun("dogs", "chien", "chiens", "m"),
    "bird": Noun("birds", "oiseau", "oiseaux", "m"),
    "horse": Noun("horses", "cheval", "chevaux", "m"),
    "fish": Noun("fishes", "poisson", "poissons", "m"),
    "mouse": Noun("mice", "souris", "souris", "f"),
    "boy": Noun("boys", "garçon", "garçons", "m"),
    "girl": Noun("girls", "fille", "filles", "f"),
    "woman": Noun("women", "femme", "femmes", "f"),
    "king": Noun("kings", "roi", "rois", "m"),
    "queen": Noun("queens", "reine", "reines", "f"),
    "doctor": Noun("doctors", "médecin", "médecins", "m"),
    "painter": Noun("painters", "peintre", "peintres", "m"),
    "student": Noun("students", "étudiant", "étudiants", "m"),
    "house": Noun("houses", "maison", "maisons", "f"),
    "car": Noun("cars", "voiture", "voitures", "f"),
    "boat": Noun("boats", "bateau", "bateaux", "m"),
    "book": Noun("books", "livre", "livres", "m"),
    "letter": Noun("letters", "lettre", "lettres", "f"),
    "song": Noun("songs", "chanson", "chansons", "f"),
    "sentence": Noun("sentences", "phrase", "phrases", "f"),
    "table": Noun("tables", "table", "tables", "f"),
    "chair": Noun("chairs", "chaise", "chaises", "f"),
    "mat": Noun("mats", "tapis", "tapis", "m"),
    "window": Noun("windows", "fenêtre", "fenêtres", "f"),
    "flower": Noun("flowers", "fleur", "fleurs", "f"),
    "tree": Noun("trees", "arbre", "arbres", "m"),
    "apple": Noun("apples", "pomme", "pommes", "f"),
    "bread": Noun("breads", "pain", "pains", "m"),
    "cake": Noun("cakes", "gâteau", "gâteaux", "m"),
    "garden": Noun("gardens", "jardin", "jardins", "m"),
    "forest": Noun("forests", "forêt", "forêts", "f"),
    "river": Noun("rivers", "rivière", "rivières", "f"),
    "mountain": Noun("mountains", "montagne", "montagnes", "f"),
    "city": Noun("cities", "ville", "villes", "f"),
    "street": Noun("streets", "rue", "rues", "f"),
    "station": Noun("stations", "gare", "gares", "f"),
    "market": Noun("markets", "marché", "marchés", "m"),
    "area": Noun("areas", "zone", "zones", "f"),
    "journey": Noun("journeys", "voyage", "voyages", "m"),
    "step": Noun("steps", "pas", "pas", "m"),
}

# professions after "is"/"was" lose their article and agree with the subject ("she is a student" → "elle est
# étudiante"): (masculine singular, feminine singular, masculine plural, feminine plural)
PROFESSIONS: dict[str, tuple[str, str, str, str]] = {
    "student": ("étudiant", "étudiante", "étudiants", "étudiantes"),
    "doctor": ("médecin", "médecin", "médecins", "médecins"),
    "painter": ("peintre", "peintre", "peintres", "peintres"),
}

# names stay as they are in French; the gender makes "went" agree ("alice est allée")
NAMES: dict[str, str] = {"harry": "m", "potter": "m", "alice": "f", "paul": "m", "marie": "f"}
NAME_PHRASES: tuple[tuple[str, ...], ...] = (
    ("harry", "potter"),
    ("harry",),
    ("alice",),
    ("paul",),
    ("marie",),
)

# english -> (masculine singular, feminine singular, masculine plural, feminine plural)
ADJECTIVES: dict[str, tuple[str, str, str, str]] = {
    "small": ("petit", "petite", "petits", "petites"),
    "big": ("grand", "grande", "grands", "grandes"),
    "black": ("noir", "noire", "noirs", "noires"),
    "white": ("blanc", "blanche", "blancs", "blanches"),
    "green": ("vert", "verte", "verts", "vertes"),
    "blue": ("bleu", "bleue", "bleus", "bleues"),
    "red": ("rouge", "rouge", "rouges", "rouges"),
    "yellow": ("jaune", "jaune", "jaunes", "jaunes"),
    "young": ("jeune", "jeune", "jeunes", "jeunes"),
    "old": ("vieux", "vieille", "vieux", "vieilles"),
    "new": ("nouveau", "nouvelle", "nouveaux", "nouvelles"),
    "beautiful": ("beau", "belle", "beaux", "belles"),
    "pretty": ("joli", "jolie", "jolis", "jolies"),
    "happy": ("heureux", "heureuse", "heureux", "heureuses"),
    "tired": ("fatigué", "fatiguée", "fatigués", "fatiguées"),
    "strong": ("fort", "forte", "forts", "fortes"),
    "slow": ("lent", "lente", "lents", "lentes"),
    "fast": ("rapide", "rapide", "rapides", "rapides"),
    "quiet": ("calme", "calme", "calmes", "calmes"),
    "round": ("rond", "ronde", "ronds", "rondes"),
    "warm": ("chaud", "chaude", "chauds", "chaudes"),
    "cold": ("froid", "froide", "froids", "froides"),
    "long": ("long", "longue", "longs", "longues"),
    "european": ("européen", "européenne", "européens", "européennes"),
    "economic": ("économique", "économique", "économiques", "économiques"),
}

# "was sitting" is a state in French, "était assis": a participle that agrees like an adjective
PARTICIPLES: dict[str, tuple[str, str, str, str]] = {
    "sitting": ("assis", "assise", "assis", "assises"),
    "lying": ("couché", "couchée", "couchés", "couchées"),
    "standing": ("debout", "debout", "debout", "debout"),
    "hiding": ("caché", "cachée", "cachés", "cachées"),
    "sleeping": ("endormi", "endormie", "endormis", "endormies"),
}

# english -> (masculine singular, feminine singular, plural)
DETERMINERS: dict[str, tuple[str, str, str]] = {
    "the": ("le", "la", "les"),
    "a": ("un", "une", "des"),
    "an": ("un", "une", "des"),
    "one": ("un", "une", "des"),
    "some": ("des", "des", "des"),
    "two": ("deux", "deux", "deux"),
    "three": ("trois", "trois", "trois"),
    "this": ("ce", "cette", "ces"),
    "these": ("ce", "cette", "ces"),
    "my": ("mon", "ma", "mes"),
    "your": ("ton", "ta", "tes"),
    "his": ("son", "sa", "ses"),
    "her": ("son", "sa", "ses"),
    "our": ("notre", "notre", "nos"),
    "every": ("chaque", "chaque", "chaque"),
}
SINGULAR_ONLY = frozenset({"a", "an", "one", "this", "every"})
PLURAL_ONLY = frozenset({"some", "two", "three", "these"})


class Verb(NamedTuple):
    """An English verb (keyed by its 3rd-person singular) and its French forms.

    `present` holds the French present for je, tu, il/elle, nous, ils/elles. `aux` is the auxiliary of the
    passé composé ("avoir" or "être"); être verbs agree with their subject ("elle est tombée").
    """

    base: str  # english base form: "see" (plural present, and the infinitive after "can" / "help ...")
    past: str | None  # english simple past ("saw"); None when it would equal the base form ("read")
    present: tuple[str, str, str, str, str]
    infinitive: str
    participle: str
    aux: str = "avoir"
    transitive: bool = False
    pronominal: bool = False  # "s'asseoir": a reflexive clitic agrees with the subject ("je me suis assis")


VERBS: dict[str, Verb] = {
    "sees": Verb("see", "saw", ("vois", "vois", "voit", "voyons", "voient"), "voir", "vu", transitive=True),
    "likes": Verb(
        "like", "liked", ("aime", "aimes", "aime", "aimons", "aiment"), "aimer", "aimé", transitive=True
    ),
    "eats": Verb(
        "eat", "ate", ("mange", "manges", "mange", "mangeons", "mangent"), "manger", "mangé", transitive=True
    ),
    "finds": Verb(
        "find",
        "found",
        ("trouve", "trouves", "trouve", "trouvons", "trouvent"),
        "trouver",
        "trouvé",
        transitive=True,
    ),
    "takes": Verb(
        "take",
        "took",
        ("prends", "prends", "prend", "prenons", "prennent"),
        "prendre",
        "pris",
        transitive=True,
    ),
    "watches": Verb(
        "watch",
        "watched",
        ("regarde", "regardes", "regarde", "regardons", "regardent"),
        "regarder",
        "regardé",
        transitive=True,
    ),
    "follows": Verb(
        "follow",
        "followed",
        ("suis", "suis", "suit", "suivons", "suivent"),
        "suivre",
        "suivi",
        transitive=True,
    ),
    "carries": Verb(
        "carry",
        "carried",
        ("porte", "portes", "porte", "portons", "portent"),
        "porter",
        "porté",
        transitive=True,
    ),
    "wants": Verb(
        "want", "wanted", ("veux", "veux", "veut", "voulons", "veulent"), "vouloir", "voulu", transitive=True
    ),
    "buys": Verb(
        "buy",
        "bought",
        ("achète", "achètes", "achète", "achetons", "achètent"),
        "acheter",
        "acheté",
        transitive=True,
    ),
    "reads": Verb("read", None, ("lis", "lis", "lit", "lisons", "lisent"), "lire", "lu", transitive=True),
    "opens": Verb(
        "open",
        "opened",
        ("ouvre", "ouvres", "ouvre", "ouvrons", "ouvrent"),
        "ouvrir",
        "ouvert",
        transitive=True,
    ),
    "helps": Verb(
        "help", "helped", ("aide", "aides", "aide", "aidons", "aident"), "aider", "aidé", transitive=True
    ),
    "translates": Verb(
        "translate",
        "translated",
        ("traduis", "traduis", "traduit", "traduisons", "traduisent"),
        "traduire",
        "traduit",
        transitive=True,
    ),
    "sleeps": Verb("sleep", "slept", ("dors", "dors", "dort", "dormons", "dorment"), "dormir", "dormi"),
    "runs": Verb("run", "ran", ("cours", "cours", "court", "courons", "courent"), "courir", "couru"),
    "sings": Verb(
        "sing", "sang", ("chante", "chantes", "chante", "chantons", "chantent"), "chanter", "chanté"
    ),
    "waits": Verb(
        "wait", "waited", ("attends", "attends", "attend", "attendons", "attendent"), "attendre", "attendu"
    ),
    "smiles": Verb(
        "smile", "smiled", ("souris", "souris", "sourit", "sourions", "sourient"), "sourire", "souri"
    ),
    "works": Verb(
        "work",
        "worked",
        ("travaille", "travailles", "travaille", "travaillons", "travaillent"),
        "travailler",
        "travaillé",
    ),
    "dances": Verb("dance", "danced", ("danse", "danses", "danse", "dansons", "dansent"), "danser", "dansé"),
    "starts": Verb(
        "start",
        "started",
        ("commence", "commences", "commence", "commençons", "commencent"),
        "commencer",
        "commencé",
    ),
    "falls": Verb(
        "fall", "fell", ("tombe", "tombes", "tombe", "tombons", "tombent"), "tomber", "tombé", aux="être"
    ),
    "plays": Verb("play", "played", ("joue", "joues", "joue", "jouons", "jouent"), "jouer", "joué"),
    "walks": Verb(
        "walk", "walked", ("marche", "marches", "marche", "marchons", "marchent"), "marcher", "marché"
    ),
    "jumps": Verb("jump", "jumped", ("saute", "sautes", "saute", "sautons", "sautent"), "sauter", "sauté"),
    "goes": Verb("go", "went", ("vais", "vas", "va", "allons", "vont"), "aller", "allé", aux="être"),
    "sits": Verb(
        "sit",
        "sat",
        ("assieds", "assieds", "assied", "asseyons", "asseyent"),
        "asseoir",
        "assis",
        aux="être",
        pronominal=True,
    ),
}

# french present of être (the copula and the être auxiliary), its imperfect, avoir, and pouvoir ("can")
ETRE_PRESENT = ("suis", "es", "est", "sommes", "sont")
ETRE_IMPERFECT = ("étais", "étais", "était", "étions", "étaient")
AVOIR_PRESENT = ("ai", "as", "a", "avons", "ont")
POUVOIR_PRESENT = ("peux", "peux", "peut", "pouvons", "peuvent")
POUVOIR_INVERTED_JE = "puis"  # "can I" → "puis-je"
REFLEXIVE = ("me", "te", "se", "nous", "se")

# the copula: english form -> (tense, default person, default number) when the subject is unknown
COPULAS: dict[str, tuple[str, int, str]] = {
    "am": ("present", 1, "sg"),
    "is": ("present", 3, "sg"),
    "are": ("present", 3, "pl"),
    "was": ("past", 3, "sg"),
    "were": ("past", 3, "pl"),
}
MODALS: dict[str, str] = {"can": "pouvoir"}

# subject pronouns: english -> (person, number, gender); gender None = taken from the last noun ("it", "they")
SUBJECT_PRONOUNS: dict[str, tuple[int, str, str | None]] = {
    "i": (1, "sg", "m"),
    "you": (2, "sg", "m"),
    "he": (3, "sg", "m"),
    "she": (3, "sg", "f"),
    "it": (3, "sg", None),
    "we": (1, "pl", "m"),
    "they": (3, "pl", None),
}
# object pronouns (only these; "you" and "it" are read as objects right after a verb)
OBJECT_PRONOUNS: dict[str, tuple[int, str, str | None]] = {
    "me": (1, "sg", "m"),
    "him": (3, "sg", "m"),
    "us": (1, "pl", "m"),
    "them": (3, "pl", None),
}

PREPOSITIONS: dict[str, tuple[str, ...]] = {
    "with": ("avec",),
    "in": ("dans",),
    "on": ("sur",),
    "under": ("sous",),
    "behind": ("derrière",),
    "without": ("sans",),
    "for": ("pour",),
    "after": ("après",),
    "before": ("avant",),
    "to": ("à",),  # à + le → au, à + les → aux
    "near": ("près", "de"),  # de + le → du, de + les → des
    "next": ("à", "côté"),  # "next to" → "à côté de"
}
ADVERBS: dict[str, str] = {
    "often": "souvent",
    "always": "toujours",
    "sometimes": "parfois",
    "rarely": "rarement",
    "also": "aussi",
}
CONJUNCTIONS: dict[str, tuple[str, ...]] = {
    "and": ("et",),
    "but": ("mais",),
    "or": ("ou",),
    "so": ("donc",),
    "because": ("car",),
    "when": ("quand",),
    "while": ("pendant", "que"),
    "since": ("puisque",),
}
RELATIVES = ("that", "which")  # "qui" before a verb, "que" before a subject
PUNCTUATION = (",", "?")  # the only punctuation the toy language keeps (in place, on both sides)

# how French spells a word before a vowel, and which prepositions swallow the article after them
ELISIONS = {
    "le": "l'",
    "la": "l'",
    "je": "j'",
    "me": "m'",
    "te": "t'",
    "se": "s'",
    "de": "d'",
    "que": "qu'",
    "puisque": "puisqu'",
}
BEFORE_VOWEL = {"ce": "cet", "ma": "mon", "ta": "ton", "sa": "son"}  # determiners only
CONTRACTIONS = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux"}
