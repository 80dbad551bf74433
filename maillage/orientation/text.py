"""The resident's answer as plain French lines (``maillage orient`` prints them)."""

from __future__ import annotations

from datetime import datetime

from maillage.orientation.orient import Orientation, PlaceCard

_DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def minutes_fr(minutes: float) -> str:
    """``71.4`` → ``1 h 11``; ``4.2`` → ``4 min``."""
    whole = round(minutes)
    return f"{whole // 60} h {whole % 60:02d}" if whole >= 60 else f"{whole} min"


def when_fr(at: datetime) -> str:
    return f"{_DAYS_FR[at.weekday()]} {at.day:02d}/{at.month:02d} à {at.hour:02d} h {at.minute:02d}"


def opening_fr(card: PlaceCard) -> str:
    o = card.opening
    if o.open_now is None:
        said = f" ; la source indique : « {card.hours_source_text} »" if card.hours_source_text else ""
        return f"horaires non communiqués{said}"
    if o.open_now:
        return "ouvert maintenant" + (f", ferme {when_fr(o.next_change)}" if o.next_change else "")
    return "fermé" + (f", ouvre {when_fr(o.next_change)}" if o.next_change else "")


def card_lines(card: PlaceCard, mode_label: str, rank: str) -> list[str]:
    lines = [f"{rank} {card.name} — ≈ {minutes_fr(card.minutes)} {mode_label}"]
    if card.other_names:
        lines.append(f"   même adresse : {' ; '.join(card.other_names)}")
    lines.append(f"   {' / '.join(card.kind_labels)}")
    lines.append(f"   Adresse : {card.address_fr}")
    lines.append(f"   Téléphone : {card.phone or 'non communiqué'}")
    lines.append(f"   Horaires : {opening_fr(card)}" + (f" ({card.hours_fr})" if card.hours_fr else ""))
    if card.appointment:
        lines.append(f"   {card.appointment}")
    if card.approximate_position:
        lines.append("   Position approximative (centre de la commune) : temps indicatif.")
    lines.append(f"   Sources : {' ; '.join(r.title_fr for r in card.sources)}")
    return lines


def orientation_lines(o: Orientation) -> list[str]:
    lines = [f"Où m'adresser ? « {o.need_label} » depuis {o.origin_label}", ""]
    if o.urgent:
        lines.append("En cas d'urgence, appelez d'abord (gratuit) :")
        lines += [f"  {n.number} — {n.label_fr} : {n.when_fr} ({n.source_url})" for n in o.urgent]
        lines.append("")
    if o.own_pole is not None:
        lines.append("Votre pôle social :")
        lines += card_lines(o.own_pole, o.mode_label, " ★")
        lines.append(f"   {o.own_pole_reason}")
        lines.append("")
    if o.no_site_fr:
        lines.append(o.no_site_fr)
        if o.general_contact:
            lines.append(f"Contact du Département : {o.general_contact.phone} ({o.general_contact.sentence_fr})")
        lines.append("")
    if o.places:
        lines.append(
            f"{len(o.places)} lieu{'x' if len(o.places) > 1 else ''} pour ce besoin, du plus proche au plus loin :"
        )
        for i, card in enumerate(o.places, start=1):
            lines += card_lines(card, o.mode_label, f"{i:2d}.")
        lines.append("")
    lines.append(f"Temps {o.mode_label}. {o.model_fr} Horaires au {when_fr(o.at)}.")
    return lines
