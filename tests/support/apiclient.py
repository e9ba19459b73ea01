"""A script calling the API over HTTP with a personal API token, as a facility's tools would."""
import requests

from apitokens import services


class ApiClient:
    def __init__(self, base_url, user=None, secret=None):
        """Signed in with a new token of `user`'s, or with `secret` as it is."""
        if user is not None:
            _, secret = services.create(user, "tests")
        self.base_url, self.secret = base_url, secret
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {secret}"

    def get(self, path, **kwargs):
        return self.http.get(self.base_url + path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.http.post(self.base_url + path, json=data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        return self.http.patch(self.base_url + path, json=data, **kwargs)

    def delete(self, path, **kwargs):
        return self.http.delete(self.base_url + path, **kwargs)
