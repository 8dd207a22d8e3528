from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


home = call_page = add = request_ecosoc = edit = remove = photo = thumbnail = _todo
