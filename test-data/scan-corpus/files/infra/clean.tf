# clean (generated)
provider "aws" {
  region = "eu-west-1"
}
resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets-prod"
}
