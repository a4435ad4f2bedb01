"""Crisis resources: where to find help now, kept by the node's admins (the node's list)
and by each group's moderators (the group's list, which travels with the group).

``resources`` holds the lists and their checks, ``choosing`` picks what a viewer is
shown (``resources_for``: the group's first, then the node's, for the viewer's
languages and country), ``drafts`` notices a draft that sounds like a crisis.
"""
