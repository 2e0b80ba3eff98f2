"""Demo content for development and screenshots: a fictional brand taken through the real review.

It sits above every other app (it imports modules, review and search; nothing imports it), so the
content apps never import review or search just to seed.
"""
