"""Refusals of the crowdfunding app, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError, NotFound


class CampaignNotFound(NotFound):
    default_message = _("Campaign not found.")


class PledgeNotFound(NotFound):
    default_message = _("Pledge not found.")


class CampaignNotEditable(ApplicationError):
    code = "campaign_not_editable"
    default_message = _("Only a draft campaign can be changed; ask a moderator to send it back.")


class TransitionNotAllowed(ApplicationError):
    code = "transition_not_allowed"
    default_message = _("This action is not possible on this campaign now, or not for you.")


class CampaignClosed(ApplicationError):
    code = "campaign_closed"
    default_message = _("This campaign is not open for pledges.")


class AlreadyPledged(ApplicationError):
    code = "already_pledged"
    default_message = _("You already back this campaign: change your pledge instead.")


class PledgeNotActive(ApplicationError):
    code = "pledge_not_active"
    default_message = _("This pledge is no longer running: it was withdrawn or settled.")


class TierSoldOut(ApplicationError):
    code = "tier_sold_out"
    default_message = _("This reward is sold out.")


class BelowTierMinimum(ApplicationError):
    code = "below_tier_minimum"
    default_message = _("The amount is below this reward's minimum.")


class OwnCampaign(ApplicationError):
    code = "own_campaign"
    default_message = _("You cannot back your own campaign.")


class NoAccountInUnit(ApplicationError):
    code = "no_account_in_unit"
    default_message = _("You have no account in this campaign's unit.")


class PoolNotAllowed(ApplicationError):
    code = "pool_not_allowed"
    default_message = _("A matching pool can only be added to an approved or live campaign.")
