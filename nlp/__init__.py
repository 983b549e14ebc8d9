"""Enrichment of posts: normalisation, segmentation, category/risk/sentiment, places, near-duplicates, topics.

Only the label files and the annotation tools exist so far (``nlp/labels/``); the models come with the
NLP issue.
"""
