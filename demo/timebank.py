"""The demo's time bank: who trades hours (the residents and two associations) and the services
they render each other. The story (demo/story.py) records the hours through the ledger's services.
"""

from __future__ import annotations

from demo.members import SHOPPERS

TIME_BANK = [*SHOPPERS, "laruche", "cafe"]

# The services they render each other (the memos of the hours).
SERVICES = [
    "Tonte de pelouse",
    "Aide informatique",
    "Cours de guitare",
    "Covoiturage vers La Roche-sur-Yon",
    "Réparation de vélo",
    "Garde de poules",
    "Couture d'un ourlet",
    "Aide au déménagement",
    "Garde d'enfants",
    "Taille de haie",
    "Aide aux devoirs",
    "Cuisine pour un repas de quartier",
]
