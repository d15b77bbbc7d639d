# aws-2 (generated)
provider "aws" {
  region = "eu-west-1"
  AWS_ACCESS_KEY_ID = "AKIABJH4I6CFFOTSFOXK"
}
resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets-prod"
}
