"""Imported once by the extraction pool's fork server (newswatch.extract.ExtractionPool), never
by anything else: loads trafilatura and the detection rules, entities and language data and
compiles their patterns before any worker is forked, so every worker starts warm (in
milliseconds, not seconds) and the workers share those pages instead of each building its own.

The collector is off while it loads: each of its passes walked the growing heap of compiled
rules again (~0.1 s of the ~1.2 s before the first page can be extracted). The leftovers are
collected once at the end, and what stays is frozen, so the forked workers' collections never
walk it.

Ctrl+C is ignored here first, and so by every worker forked from here (multiprocessing hands
them the handlers this module leaves): a terminal's Ctrl+C reaches the whole process group,
and a worker interrupted mid-page printed a KeyboardInterrupt traceback for each page. The
workers end when the poll's process shuts the pool down or is gone (extract._die_with_poll).
"""

import gc
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

_collecting = gc.isenabled()
gc.disable()
try:
    from newswatch.analysis import warm_up
    from newswatch.extract import warm_up_extraction

    warm_up_extraction()
    warm_up()
finally:
    gc.collect()
    gc.freeze()
    if _collecting:
        gc.enable()
