"""REST API of members: the communes list, and the serializer membership's API creates members with."""
