"""Who may do what: every permission rule of the node, in one place.

Each rule is a pure function of the viewer and the facts at hand (the group's
settings, the viewer's membership), so the API, the pages, the CLI and incoming
federation all ask the same question and get the same answer. ``require_*``
helpers raise the domain error the caller should surface.
"""

from __future__ import annotations

from datetime import datetime

from node.errors import NotFound, PermissionDenied
from node.storage.models import GroupRole, MembershipState, Visibility
from node.views import MembershipView, Viewer

_MODERATING = {GroupRole.MODERATOR, GroupRole.OWNER}


def is_approved(membership: MembershipView | None) -> bool:
    return membership is not None and membership.state is MembershipState.APPROVED


def is_group_moderator(membership: MembershipView | None) -> bool:
    return is_approved(membership) and membership is not None and membership.role in _MODERATING


def can_see_group(viewer: Viewer | None, visibility: Visibility) -> bool:
    """A private group's "about" is shown to signed-in members of this node (so they can
    ask to join) and to its own members; anonymous visitors learn nothing of it."""
    return visibility is Visibility.PUBLIC or viewer is not None


def can_list_group(visibility: Visibility, membership: MembershipView | None) -> bool:
    """Private groups stay out of the directory except for their own members."""
    return visibility is Visibility.PUBLIC or is_approved(membership)


def can_read_content(visibility: Visibility, membership: MembershipView | None) -> bool:
    """Posts and the member list of a private group are for its approved members only."""
    return visibility is Visibility.PUBLIC or is_approved(membership)


def can_node_read(visibility: Visibility, *, hosts_group: bool, hosts_member: bool) -> bool:
    """Another node may read a private group's content only if it hosts the group or one of
    its approved members: content goes where members are, nowhere else."""
    return visibility is Visibility.PUBLIC or hosts_group or hosts_member


def require_member_list_visible(membership: MembershipView | None) -> None:
    """Who belongs to a support group is for its members to know, never for passers-by."""
    if not is_approved(membership):
        raise PermissionDenied("only this group's members can see who belongs to it")


def require_group_visible(viewer: Viewer | None, visibility: Visibility) -> None:
    if not can_see_group(viewer, visibility):
        raise NotFound("no such group")


def require_content_readable(visibility: Visibility, membership: MembershipView | None) -> None:
    if not can_read_content(visibility, membership):
        raise PermissionDenied("only approved members can read this private group")


def require_can_post(membership: MembershipView | None, restricted_to_moderators: bool) -> None:
    if membership is not None and membership.state is MembershipState.BANNED:
        raise PermissionDenied("you are banned from this group")
    if not is_approved(membership):
        raise PermissionDenied("join the group (and be approved) before posting")
    if restricted_to_moderators and not is_group_moderator(membership):
        raise PermissionDenied("only this group's moderators can post here")


def require_can_reply(membership: MembershipView | None) -> None:
    require_can_post(membership, restricted_to_moderators=False)


def require_can_react(membership: MembershipView | None) -> None:
    require_can_post(membership, restricted_to_moderators=False)


def require_can_edit(viewer: Viewer, author_id: int, membership: MembershipView | None) -> None:
    if viewer.actor_id != author_id:
        raise PermissionDenied("only the author can edit a post")
    if membership is not None and membership.state is MembershipState.BANNED:
        raise PermissionDenied("you are banned from this group")


def require_can_delete(viewer: Viewer, author_id: int, membership: MembershipView | None) -> None:
    if viewer.actor_id == author_id or is_group_moderator(membership) or viewer.is_node_staff:
        return
    raise PermissionDenied("only the author, the group's moderators or node staff can delete")


def require_can_remove(viewer: Viewer, membership: MembershipView | None) -> None:
    """Removing someone's post (with a reason, in the log) is a moderator's act."""
    if not (is_group_moderator(membership) or viewer.is_node_staff):
        raise PermissionDenied("only the group's moderators or node staff can remove posts")


def ban_has_ended(banned_until: datetime | None, now: datetime) -> bool:
    """A ban with an end that has passed no longer holds: the member may ask to join again."""
    return banned_until is not None and banned_until <= now


def require_group_moderator(membership: MembershipView | None) -> None:
    if not is_group_moderator(membership):
        raise PermissionDenied("only this group's moderators can do that")
