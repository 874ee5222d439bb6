"""Imported once by the extraction pool's fork server (newswatch.extract.ExtractionPool), never
by anything else: loads trafilatura and the detection rules, entities and language data and
compiles their patterns before any worker is forked, so every worker starts warm (in
milliseconds, not seconds) and the workers share those pages instead of each building its own.
"""

from newswatch.analysis import warm_up
from newswatch.extract import warm_up_extraction

warm_up_extraction()
warm_up()
