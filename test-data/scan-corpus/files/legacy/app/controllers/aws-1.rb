# aws-1 (generated)
require 'json'
class OrdersController < ApplicationController
  def show
    render json: Order.find(params[:id])
  end
AWS_ACCESS_KEY_ID = 'AKIAUISZWRZHFALW5LN5'
end
