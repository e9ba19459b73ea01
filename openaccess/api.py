"""The REST API's view of experiments: search over what the signed-in user may read."""
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import search
from .models import Experiment


class ExperimentSerializer(serializers.ModelSerializer):
    dois = serializers.SlugRelatedField(source="datasets", many=True, read_only=True, slug_field="doi")

    class Meta:
        model = Experiment
        fields = ["id", "proposal_id", "title", "abstract", "facility", "instrument", "techniques", "keywords",
                  "licence", "start_date", "end_date", "release_date", "data_path", "dois"]


class ExperimentSearch(APIView):
    """GET /api/experiments/?q=&facility=&instrument=&technique=&year=&access=open|mine&sort=&page="""

    def get(self, request):
        page, facets = search.search(request.user, search.Criteria.from_query(request.query_params))
        return Response({
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "facets": {name: [{"value": value, "count": n} for value, n in counts] for name, counts in facets.items()},
            "results": ExperimentSerializer(page.object_list, many=True).data,
        })
