# npm-0 (generated)
provider "aws" {
  region = "eu-west-1"
//registry.npmjs.org/:_authToken=npm_ENAT7IHsmKirDKUow6PHnwHE0mUgG0rkYWDc
}
resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets-prod"
}
