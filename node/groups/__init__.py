"""Support groups, hosted here or on other nodes.

- ``limits``: how long a group's names, rules, content warning and language may be;
- ``creation``: creating a group here;
- ``loading``: a group as a viewer here, or another node, may see it, and its view;
- ``directory``: the list of groups a viewer may find;
- ``membership``: joining, leaving, deciding requests, members and moderators;
- ``remote_groups``: what we keep of groups hosted elsewhere.
"""
