"""Enrichment of posts: what each post is about, how urgent it is, where, and which issue it belongs to.

- ``normalize``: NFKC, traditional -> simplified, leftover HTML, whitespace, length bound
- ``segment``: jieba dictionary + domain words on rjieba (fast); pure-Python jieba as the reference
- ``features``, ``classify``: the default scikit-learn classifier (category, risk, sentiment) with evidence
- ``risk_rules``: risk floors from facts (fire, explosion, leak, collapse, injuries, deaths, violence, threats,
  numbers of people affected)
- ``places``: administrative places with codes (compiled table in ``data/``) and housing estates
- ``dedup``: SimHash near-duplicate groups; ``topics``: incremental topic clustering over a sliding window
- ``enrich``: the pipeline that chains them; ``train``: ``sheqing train`` / ``sheqing eval``
- ``transformer``: optional transformers classifier (extra ``sheqing[transformers]``)
- ``labels/``: the project's labelled data (ids only) and how it was made; ``models/``: the shipped model
"""
