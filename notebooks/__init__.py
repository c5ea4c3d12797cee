"""The class notebooks, and the code that runs them against a live final app (``live.py``).

It lives here rather than in the ``workshop`` command because only the notebooks' tests and the
docs build use it, and it needs tools (nbclient, httpx) a learner's install leaves out.
"""
