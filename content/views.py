"""Public pages: home, the guide, services, therapists, about, robots.txt."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from booking.forms import carry_answers
from booking.screening import screen
from booking.selectors import active_therapists, bookable_services, current_clinic
from content import seo
from content.forms import FindMyMassageForm
from content.markdown import render_markdown
from content.models import Page
from content.recommend import offered, recommend
from focusedcare.pagecache import cached_page


def _page(slug: str) -> Page:
    return get_object_or_404(Page, slug=slug)


@require_GET
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    clinic = current_clinic()
    context = {
        "page": _page("home"),
        "services": bookable_services(),
        "therapists": active_therapists(),
        "clinic": clinic,
        "json_ld": seo.local_business(clinic) if clinic else None,
    }
    return render(request, "content/home.html", context)


@require_GET
@cached_page
def guide(request: HttpRequest) -> HttpResponse:
    page = _page("back-pain-guide")
    clinic = current_clinic()
    context = {
        "page": page,
        "rendered": page.rendered(),
        "clinic": clinic,
        "json_ld": seo.article(page, clinic, request.path),
    }
    return render(request, "content/guide.html", context)


@require_GET
@cached_page
def about(request: HttpRequest) -> HttpResponse:
    clinic = current_clinic()
    context = {
        "page": _page("about"),
        "clinic": clinic,
        "json_ld": seo.local_business(clinic) if clinic else None,
    }
    return render(request, "content/about.html", context)


@require_GET
@cached_page
def service_list(request: HttpRequest) -> HttpResponse:
    return render(request, "content/service_list.html", {"services": bookable_services()})


@require_GET
@cached_page
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(bookable_services(), slug=slug)
    context = {
        "service": service,
        "description": render_markdown(service.description),
        "json_ld": seo.service(service),
    }
    return render(request, "content/service_detail.html", context)


@require_GET
@cached_page
def therapist_list(request: HttpRequest) -> HttpResponse:
    return render(request, "content/therapist_list.html", {"therapists": active_therapists()})


@require_GET
@cached_page
def therapist_detail(request: HttpRequest, slug: str) -> HttpResponse:
    therapist = get_object_or_404(active_therapists(), slug=slug)
    clinic = current_clinic()
    context = {
        "therapist": therapist,
        "bio": render_markdown(therapist.bio),
        "clinic": clinic,
        "json_ld": seo.person(therapist, clinic),
    }
    return render(request, "content/therapist_detail.html", context)


FIND_MY_MASSAGE = "content/find_my_massage.html"


@require_http_methods(["GET", "POST"])
@cached_page  # the blank questionnaire only: a POST is never kept
def find_my_massage(request: HttpRequest) -> HttpResponse:
    """The questionnaire on GET (blank: the same for everyone); on POST (answers never go in
    the address) a red flag stops it, even with other answers missing; otherwise the services
    the guide suggests, ranked."""
    if request.method == "GET":
        return render(request, FIND_MY_MASSAGE, {"form": FindMyMassageForm()})
    response = _answered(request)
    add_never_cache_headers(response)  # health information: no cache keeps the answers' page
    return response


def _answered(request: HttpRequest) -> HttpResponse:
    """The page for the answers posted: the stop, the errors, or the suggestions."""
    template = FIND_MY_MASSAGE
    form = FindMyMassageForm(request.POST)
    valid = form.is_valid()
    screening = screen(form.cleaned_data.get("red_flags", []))
    if screening.flags:
        # The answers, to change them, without the errors of a questionnaire the stop cut short.
        again = FindMyMassageForm(initial=form.cleaned_data)
        return render(request, template, {"form": again, "screening": screening})
    if not valid:
        return render(request, template, {"form": form}, status=400)
    results = offered(recommend(form.answers()))
    context = {"form": form, "results": results, "note": form.cleaned_data["note"]}
    response = render(request, template, context)
    # Where it hurts and for how long go on to the booking intake: not asked twice.
    answers = form.answers()
    carry_answers(request, response, zones=sorted(answers.areas), duration=answers.duration)
    return response


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """A back office moved off /admin/ (ADMIN_URL) is not named here: that would publish it."""
    sitemap = seo.absolute(reverse("sitemap"))
    private = ["/booking/"]
    if settings.ADMIN_URL == "admin/":
        private.insert(0, "/admin/")
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in private), f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")
