"""A password hasher that counts its work, to show when a sign-in computed no hash."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast, as in the rest of the suite) under its own name, counting every hash it
    computes: encode is where a hash is made, whether to check a password (verify calls it)
    or to make one (as Django also does for a username that does not exist)."""

    algorithm = "counted_md5"
    hashes = 0

    def encode(self, password, salt):
        type(self).hashes += 1
        return super().encode(password, salt)
