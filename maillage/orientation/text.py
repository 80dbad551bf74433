"""The resident's answer as plain French lines (``maillage orient`` prints them)."""

from __future__ import annotations

import math
from datetime import datetime

from maillage.i18n import N_, _, ngettext
from maillage.orientation.orient import Orientation, PlaceCard

_DAYS_FR = (N_("lundi"), N_("mardi"), N_("mercredi"), N_("jeudi"), N_("vendredi"), N_("samedi"), N_("dimanche"))


def minutes_fr(minutes: float) -> str:
    """``71.4`` → ``1 h 12``; ``4.2`` → ``5 min``: rounded up to the minute, at least 1 (as the web page shows)."""
    whole = max(1, math.ceil(minutes))
    if whole >= 60:
        return _("{hours} h {minutes:02d}").format(hours=whole // 60, minutes=whole % 60)
    return _("{minutes} min").format(minutes=whole)


def when_fr(at: datetime) -> str:
    return _("{day} {at.day:02d}/{at.month:02d} à {at.hour:02d} h {at.minute:02d}").format(
        day=_(_DAYS_FR[at.weekday()]), at=at)


def opening_fr(card: PlaceCard) -> str:
    o = card.opening
    if o.open_now is None:
        if card.hours_source_text:
            return _("horaires non communiqués ; la source indique : « {text} »").format(text=card.hours_source_text)
        return _("horaires non communiqués")
    if o.next_change is None:
        return _("ouvert maintenant") if o.open_now else _("fermé")
    when = when_fr(o.next_change)
    return (_("ouvert maintenant, ferme {when}") if o.open_now else _("fermé, ouvre {when}")).format(when=when)


def card_lines(card: PlaceCard, mode_label: str, rank: str) -> list[str]:
    lines = [f"{rank} {card.name} — ≈ {minutes_fr(card.minutes)} {mode_label}"]
    if card.other_names:
        lines.append("   " + _("même adresse : {names}").format(names=" ; ".join(card.other_names)))
    lines.append(f"   {' / '.join(card.kind_labels)}")
    lines.append("   " + _("Adresse : {address}").format(address=card.address_fr))
    if card.phone or not card.department_phone:
        lines.append("   " + _("Téléphone : {phone}").format(phone=card.phone or _("non communiqué")))
    else:
        lines.append("   " + _("Téléphone : non communiqué pour ce lieu ; numéro du Département : {phone} ({sentence})")
                     .format(phone=card.department_phone, sentence=card.department_phone_fr))  # fmt: skip
    hours = opening_fr(card) + (f" ({card.hours_fr})" if card.hours_fr else "")
    lines.append("   " + _("Horaires : {hours}").format(hours=hours))
    if card.appointment:
        lines.append(f"   {card.appointment}")
    if card.approximate_position:
        lines.append("   " + _("Position approximative (centre de la commune) : temps indicatif."))
    lines.append("   " + _("Sources : {titles}").format(titles=" ; ".join(r.title_fr for r in card.sources)))
    return lines


def orientation_lines(o: Orientation) -> list[str]:
    lines = [_("Où m'adresser ? « {need} » depuis {origin}").format(need=o.need_label, origin=o.origin_label), ""]
    if o.urgent:
        lines.append(_("En cas d'urgence, appelez d'abord (gratuit) :"))
        lines += [f"  {n.number} — {n.label_fr} : {n.when_fr} ({n.source_url})" for n in o.urgent]
        lines.append("")
    if o.own_pole is not None:
        lines.append(_("Votre pôle social :"))
        lines += card_lines(o.own_pole, o.mode_label, " ★")
        lines.append(f"   {o.own_pole_reason}")
        lines.append("")
    if o.no_site_fr:
        lines.append(o.no_site_fr)
        if o.general_contact:
            contact = o.general_contact
            lines.append(_("Contact du Département : {phone} ({sentence})").format(phone=contact.phone,
                                                                                 sentence=contact.sentence_fr))
        lines.append("")
    if o.places:
        lines.append(ngettext("{n} lieu pour ce besoin, du plus proche au plus loin :",
                              "{n} lieux pour ce besoin, du plus proche au plus loin :", len(o.places)).format(
            n=len(o.places)))  # fmt: skip
        for i, card in enumerate(o.places, start=1):
            lines += card_lines(card, o.mode_label, f"{i:2d}.")
        lines.append("")
    lines.append(_("Temps {mode}. {model} Horaires au {when}.").format(mode=o.mode_label, model=o.model_fr,
                                                                       when=when_fr(o.at)))
    return lines
